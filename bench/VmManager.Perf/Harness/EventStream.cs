using System.Text.Json;
using VmManager.Daemon.Machines;

namespace VmManager.Perf.Harness;

public sealed record ArrivedEvent(DateTimeOffset At, MachineChanged Change);

/// <summary>
/// GET /api/vms/events read as a browser's EventSource does, each event stamped the moment its data line arrives.
/// The daemon sends the response headers only with the first event, so the request is left pending here;
/// callers that must not miss an event first wait for one they caused (or give the subscription a moment).
/// </summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly List<ArrivedEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    private EventStream(ApiSession session)
    {
        _reader = Task.Run(() => ReadAsync(session));
    }

    public static async Task<EventStream> OpenAsync(ApiSession session)
    {
        var stream = new EventStream(session);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        return stream;
    }

    public IReadOnlyList<ArrivedEvent> Events { get { lock (_events) { return [.. _events]; } } }

    /// <summary>The first event (already arrived or to come, from index <paramref name="after"/> on) that matches.</summary>
    public async Task<ArrivedEvent> WaitForAsync(Func<MachineChanged, bool> match, TimeSpan timeout, int after = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_events)
            {
                if (_events.Skip(after).FirstOrDefault(e => match(e.Change)) is { } found)
                {
                    return found;
                }
            }
            if (DateTime.UtcNow > deadline || _reader.IsCompleted)
            {
                throw new TimeoutException("the expected event did not arrive" + (_reader.IsFaulted ? $": {_reader.Exception?.GetBaseException().Message}" : ""));
            }
            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reader;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or HttpRequestException)
        {
        }
        _stop.Dispose();
    }

    private async Task ReadAsync(ApiSession session)
    {
        using var response = await session.Client.GetAsync("/api/vms/events", HttpCompletionOption.ResponseHeadersRead, _stop.Token);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                var at = DateTimeOffset.UtcNow;
                var change = JsonSerializer.Deserialize<MachineChanged>(line[5..].Trim(), ApiSession.Json)!;
                lock (_events)
                {
                    _events.Add(new ArrivedEvent(at, change));
                }
            }
        }
    }
}
