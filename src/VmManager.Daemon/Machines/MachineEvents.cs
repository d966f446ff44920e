using System.Collections.Concurrent;
using System.Threading.Channels;

namespace VmManager.Daemon.Machines;

/// <summary>A VM changed: state, current job step, or runtime numbers. Streamed to browsers over SSE.</summary>
public sealed record MachineChanged(string MachineId, string Owner, string State, string? Step, long? JobId);

/// <summary>In-process fan-out: each subscriber gets its own bounded channel; a slow one loses old events, never blocks us.</summary>
public sealed class MachineEvents
{
    private readonly ConcurrentDictionary<Channel<MachineChanged>, byte> _subscribers = new();

    public int SubscriberCount => _subscribers.Count;

    public void Publish(MachineChanged change)
    {
        foreach (var subscriber in _subscribers.Keys)
        {
            subscriber.Writer.TryWrite(change);
        }
    }

    public async IAsyncEnumerable<MachineChanged> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<MachineChanged>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _subscribers.TryAdd(channel, 0);
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
        finally
        {
            _subscribers.TryRemove(channel, out _);
        }
    }
}
