namespace VmManager.Daemon.Hosting;

/// <summary>READY=1 once Kestrel listens, STOPPING=1 as soon as shutdown begins (SIGTERM), as Hosting.Systemd does.</summary>
public sealed class SystemdLifetimeNotifications(SystemdNotifier notifier, IHostApplicationLifetime lifetime, ILogger<SystemdLifetimeNotifications> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (notifier.IsEnabled)
        {
            lifetime.ApplicationStarted.Register(() => Send("READY=1"));
            lifetime.ApplicationStopping.Register(() => Send("STOPPING=1"));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Send(string state)
    {
        try
        {
            notifier.Notify(state);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            logger.LogWarning("Could not notify systemd ({State}): {Error}", state, ex.Message);
        }
    }
}

/// <summary>Sends WATCHDOG=1 at half the interval systemd asked for in WATCHDOG_USEC.</summary>
public sealed class SystemdWatchdog(SystemdNotifier notifier, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled || notifier.WatchdogInterval is not { } interval)
        {
            return;
        }
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            notifier.Notify("WATCHDOG=1");
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
