using System.Net;
using System.Net.Sockets;

namespace VmManager.Daemon.Tests.Consoles;

/// <summary>
/// A loopback TCP port standing in for a VM's VNC server. Until <see cref="Serve"/> is called nothing
/// accepts, so any connection the daemon makes stays queued and <see cref="ConnectionAttempted"/> sees it.
/// </summary>
public sealed class FakeVncServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _handlers = [];
    private int _accepted;

    public FakeVncServer() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>True when something connected to this port (queued, or accepted by <see cref="Serve"/>).</summary>
    public bool ConnectionAttempted => Volatile.Read(ref _accepted) > 0 || _listener.Pending();

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>A connection waits in the backlog (made, not yet accepted).</summary>
    public bool Pending => _listener.Pending();

    /// <summary>Accepts connections from now on, each handled by <paramref name="handler"/>.</summary>
    public void Serve(Func<Socket, CancellationToken, Task> handler)
    {
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                Interlocked.Increment(ref _accepted);
                socket.NoDelay = true;
                lock (_handlers)
                {
                    _handlers.Add(Task.Run(async () =>
                    {
                        using (socket)
                        {
                            await handler(socket, _stop.Token);
                        }
                    }));
                }
            }
        });
    }

    /// <summary>Sends an RFB 3.8 greeting, then echoes everything (an idle console that answers).</summary>
    public static async Task GreetAndEchoAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync("RFB 003.008\n"u8.ToArray(), SocketFlags.None, cancellationToken);
            var buffer = new byte[65536];
            int count;
            while ((count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, count), SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            // The bridge or the test ended the connection.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Task[] handlers;
        lock (_handlers)
        {
            handlers = [.. _handlers];
        }
        Task.WaitAll(handlers.Select(task => task.ContinueWith(_ => { }, TaskScheduler.Default)).ToArray(), TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
