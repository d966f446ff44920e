using Microsoft.Extensions.Options;
using VmManager.Daemon.Consoles;
using VmManager.Daemon.Tests.Support;

namespace VmManager.Daemon.Tests.Consoles;

public sealed class ConsoleTicketsTests
{
    private readonly ManualClock _clock = new();
    private readonly ConsoleTickets _tickets;

    public ConsoleTicketsTests() => _tickets = new ConsoleTickets(_clock, Options.Create(new ConsoleOptions { TicketLifetimeSeconds = 30 }));

    [Fact]
    public void Consume_FreshTicket_GivesTheGrantOnce()
    {
        var (ticket, _) = _tickets.Issue("alice", "vm1", 5901, viewOnly: false)!.Value;

        var (status, grant) = _tickets.Consume(ticket);
        var (again, _) = _tickets.Consume(ticket);

        Assert.Equal(TicketStatus.Valid, status);
        Assert.Equal(new ConsoleGrant("alice", "vm1", 5901, false, _clock.GetUtcNow().AddSeconds(30)), grant);
        Assert.Equal(TicketStatus.Unknown, again);
    }

    [Fact]
    public async Task Consume_ManyRacingRequests_ExactlyOneWins()
    {
        var (ticket, _) = _tickets.Issue("alice", "vm1", 5901, viewOnly: false)!.Value;
        using var start = new ManualResetEventSlim();

        var attempts = Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
        {
            start.Wait();
            return _tickets.Consume(ticket).Status;
        })).ToList();
        start.Set();

        Assert.Single(await Task.WhenAll(attempts), status => status == TicketStatus.Valid);
    }

    [Fact]
    public void Consume_AtTheExpiryInstant_Expired()
    {
        var (ticket, _) = _tickets.Issue("alice", "vm1", 5901, viewOnly: false)!.Value;
        var (other, _) = _tickets.Issue("alice", "vm1", 5901, viewOnly: false)!.Value;

        _clock.Advance(TimeSpan.FromSeconds(29.999));
        Assert.Equal(TicketStatus.Valid, _tickets.Consume(other).Status);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(TicketStatus.Expired, _tickets.Consume(ticket).Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("too-short")]
    [InlineData("not base64url at all, but exactly 43 chars!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Consume_Malformed_Unknown(string? ticket)
    {
        Assert.Equal(TicketStatus.Unknown, _tickets.Consume(ticket).Status);
    }

    [Fact]
    public void Issue_ExpiredTicketsAreForgotten()
    {
        for (var i = 0; i < 5; i++)
        {
            _tickets.Issue("alice", "vm1", 5901, viewOnly: false);
        }
        _clock.Advance(TimeSpan.FromSeconds(31));

        _tickets.Issue("bob", "vm2", 5902, viewOnly: false);

        Assert.Equal(1, _tickets.PendingCount);
    }
}
