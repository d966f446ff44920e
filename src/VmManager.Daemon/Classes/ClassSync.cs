using System.Threading.Channels;
using Microsoft.Extensions.Options;
using VmManager.Daemon.Accounts;

namespace VmManager.Daemon.Classes;

/// <summary>
/// Reads the directory's classes at start, every Classes:RefreshSeconds, and after a directory login
/// (at most once per <see cref="LoginRefreshGap"/>). When the directory does not answer, the memberships
/// read last stay in force and the failure is recorded for /readyz.
/// </summary>
public sealed partial class ClassSync(
    LdapClassReader reader, ClassStore store, LdapDirectory directory, IOptions<ClassesOptions> options, TimeProvider time, ILogger<ClassSync> logger)
    : BackgroundService
{
    public static readonly TimeSpan LoginRefreshGap = TimeSpan.FromSeconds(10);
    private readonly Channel<bool> _asked = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private DateTimeOffset _lastPass = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Ldap.Enabled)
        {
            return;
        }
        directory.UserAuthenticated += OnLogin;
        try
        {
            var interval = TimeSpan.FromSeconds(options.Value.RefreshSeconds);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Run(RefreshOnce, stoppingToken);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var timer = Task.Delay(interval, time, wait.Token);
                await Task.WhenAny(timer, _asked.Reader.WaitToReadAsync(wait.Token).AsTask());
                _asked.Reader.TryRead(out _);
                await wait.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            directory.UserAuthenticated -= OnLogin;
        }
    }

    /// <summary>One read of the directory; never throws for a directory that is down.</summary>
    public void RefreshOnce()
    {
        _lastPass = time.GetUtcNow();
        try
        {
            var classes = reader.ReadAll();
            var changed = store.ReplaceDirectoryClasses(classes);
            store.RecordSync(null);
            LogRefreshed(classes.Count, changed);
        }
        catch (DirectoryUnavailableException ex)
        {
            store.RecordSync(ex.Message);
            LogUnavailable(ex.Message);
        }
    }

    private void OnLogin(string userName)
    {
        if (time.GetUtcNow() - _lastPass >= LoginRefreshGap)
        {
            _asked.Writer.TryWrite(true);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Classes read from the directory: {Count} (memberships changed: {Changed})")]
    private partial void LogRefreshed(int count, bool changed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Classes not refreshed, the last known memberships stay in force: {Problem}")]
    private partial void LogUnavailable(string problem);
}
