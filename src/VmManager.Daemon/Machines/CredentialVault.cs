using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace VmManager.Daemon.Machines;

/// <summary>Generates each VM's password and keeps it encrypted at rest with the daemon's Data Protection keys.</summary>
public sealed class CredentialVault(IDataProtectionProvider protection)
{
    // No 0/O, 1/l/I: students copy these by hand from the screen.
    private const string Upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private const string Lower = "abcdefghijkmnopqrstuvwxyz";
    private const string Digits = "23456789";
    // Symbols that need no quoting in a shell, a Vagrantfile or a Windows command line.
    private const string Symbols = "@%+=-_.:";
    private const int Length = 16;

    /// <summary>
    /// RFB VNC authentication keys DES with the first 8 bytes only; vagrant-libvirt pastes the value into the
    /// domain XML unescaped, so letters and digits only (8 of 62: 47 bits, against a port only local users reach).
    /// </summary>
    private const int VncLength = 8;

    private readonly IDataProtector _protector = protection.CreateProtector("VmManager.Machines.Password.v1");

    public static string GeneratePassword()
    {
        var all = Upper + Lower + Digits + Symbols;
        var characters = new char[Length];
        characters[0] = Pick(Upper);
        characters[1] = Pick(Lower);
        characters[2] = Pick(Digits);
        characters[3] = Pick(Symbols);
        for (var i = 4; i < Length; i++)
        {
            characters[i] = Pick(all);
        }
        RandomNumberGenerator.Shuffle(characters.AsSpan());
        return new string(characters);
    }

    public static string GenerateVncPassword()
    {
        var alphabet = Upper + Lower + Digits + "01lIOo";
        var characters = new char[VncLength];
        for (var i = 0; i < VncLength; i++)
        {
            characters[i] = Pick(alphabet);
        }
        return new string(characters);
    }

    public string Protect(string password) => _protector.Protect(password);

    public string Unprotect(string protectedPassword) => _protector.Unprotect(protectedPassword);

    private static char Pick(string alphabet) => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
}
