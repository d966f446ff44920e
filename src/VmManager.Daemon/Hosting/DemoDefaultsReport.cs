using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace VmManager.Daemon.Hosting;

/// <summary>
/// What runs when there is no config file: the embedded demo defaults (the first configuration source) for
/// every key no VMMANAGER__ variable sets. Said in one line at start, so nobody takes a demo for their config.
/// </summary>
public static partial class DemoDefaultsReport
{
    public static void Log(IConfigurationRoot configuration, ILogger logger)
    {
        var defaults = Leaves(configuration.Providers.First(), null).Where(key => !SetByTheHost(configuration, key)).ToList();
        var environment = configuration.Providers.OfType<EnvironmentVariablesConfigurationProvider>().LastOrDefault();
        var fromEnvironment = environment is null ? [] : Leaves(environment, null).Where(key => !SetByTheHost(configuration, key)).ToList();
        var inEffect = defaults.Where(key => !fromEnvironment.Contains(key, StringComparer.OrdinalIgnoreCase)).ToList();
        if (inEffect.Count == 0)
        {
            LogEnvironmentOnly(logger, DaemonConfiguration.DefaultPath, fromEnvironment.Count);
            return;
        }
        var sections = string.Join(", ", inEffect.Select(key => key.Split(':')[0]).Distinct());
        var overridden = fromEnvironment.Count == 0 ? "none" : string.Join(", ", fromEnvironment);
        var demoAccounts = configuration.GetValue<bool>("Accounts:DemoAccounts") ? "on" : "off";
        LogDemo(logger, DaemonConfiguration.DefaultPath, sections, overridden,
            Path.GetFullPath(configuration["Storage:DataDirectory"] ?? "."), demoAccounts);
    }

    /// <summary>A value written through the configuration itself (UseUrls sets "urls") lands in every provider.</summary>
    private static bool SetByTheHost(IConfigurationRoot configuration, string key) =>
        configuration.Providers.All(provider => provider.TryGet(key, out var value) && value == configuration[key]);

    /// <summary>The keys that hold a value, as Section:Key:0:Name paths.</summary>
    private static IEnumerable<string> Leaves(IConfigurationProvider provider, string? parent)
    {
        foreach (var key in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var path = parent is null ? key : ConfigurationPath.Combine(parent, key);
            if (provider.TryGet(path, out _))
            {
                yield return path;
            }
            foreach (var leaf in Leaves(provider, path))
            {
                yield return leaf;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No config file at {Path}: running the embedded demo defaults for {Sections}; " +
        "set by VMMANAGER__ variables: {Overridden}; data in {DataDirectory}, demo accounts {DemoAccounts}. Not for production: install a config file")]
    private static partial void LogDemo(ILogger logger, string path, string sections, string overridden, string dataDirectory, string demoAccounts);

    [LoggerMessage(Level = LogLevel.Information, Message = "No config file at {Path}: configured by {Count} VMMANAGER__ variables alone")]
    private static partial void LogEnvironmentOnly(ILogger logger, string path, int count);
}
