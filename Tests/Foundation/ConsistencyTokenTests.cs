using NpgsqlTypes;
using Replication.UsersApi;

namespace Replication.Tests.Foundation;

/// <summary>
/// The read-your-writes rule, in process: which standby may serve a read that carries a write's token. The figures of
/// the timeline case are those of a CI run on Patroni: the killed former primary pg-2, started as a standby before its
/// rewind, replayed its own timeline 7 up to 0/70000A0 while the new primary wrote on timeline 8 from 0/6417CD8, and
/// served reads with tokens of those writes without them.
/// </summary>
public sealed class ConsistencyTokenTests
{
    private static readonly ConsistencyToken WriteAfterTheFailover = new(8, NpgsqlLogSequenceNumber.Parse("0/6418000"));

    [Fact]
    public void AStandbyOnAnEarlierTimeline_NeverHoldsTheWrite_HoweverFarItReplayed() =>
        Assert.False(WriteAfterTheFailover.IsReplayedBy(7, NpgsqlLogSequenceNumber.Parse("0/70000A0")));

    [Fact]
    public void AStandbyOnTheWritesTimeline_HoldsItOncePastItsPosition()
    {
        Assert.False(WriteAfterTheFailover.IsReplayedBy(8, NpgsqlLogSequenceNumber.Parse("0/6417FFF")));
        Assert.True(WriteAfterTheFailover.IsReplayedBy(8, NpgsqlLogSequenceNumber.Parse("0/6418000")));
    }

    [Fact]
    public void AStandbyOnALaterTimeline_HoldsAWriteMadeBeforeThatFailover() =>
        Assert.True(new ConsistencyToken(7, NpgsqlLogSequenceNumber.Parse("0/6000000")).IsReplayedBy(8, NpgsqlLogSequenceNumber.Parse("0/6418000")));

    [Fact]
    public void AStandbyThatDoesNotSayItsTimeline_NeverCounts() =>
        Assert.False(WriteAfterTheFailover.IsReplayedBy(null, NpgsqlLogSequenceNumber.Parse("FF/0")));

    [Fact]
    public void ATokenIsAheadOfThePrimary_OnlyOnALaterTimeline_OrFurtherOnItsOwn()
    {
        var primary = new ConsistencyToken(8, NpgsqlLogSequenceNumber.Parse("0/7000000"));
        Assert.True(new ConsistencyToken(9, NpgsqlLogSequenceNumber.Parse("0/1")).IsAheadOf(primary));
        Assert.True(new ConsistencyToken(8, NpgsqlLogSequenceNumber.Parse("0/7000001")).IsAheadOf(primary));
        Assert.False(new ConsistencyToken(8, NpgsqlLogSequenceNumber.Parse("0/7000000")).IsAheadOf(primary));
        Assert.False(new ConsistencyToken(7, NpgsqlLogSequenceNumber.Parse("0/9000000")).IsAheadOf(primary));
    }

    [Fact]
    public void ATokenReadsBackAsWritten()
    {
        var written = new ConsistencyToken(12, NpgsqlLogSequenceNumber.Parse("1A/3000148")).ToString();

        Assert.Equal("12:1A/3000148", written);
        Assert.True(ConsistencyToken.TryParse(written, out var read));
        Assert.Equal(new ConsistencyToken(12, NpgsqlLogSequenceNumber.Parse("1A/3000148")), read);
    }

    [Theory]
    [InlineData("0/3000148")]
    [InlineData("0:0/3000148")]
    [InlineData(":0/3000148")]
    [InlineData("x:0/3000148")]
    [InlineData("-1:0/3000148")]
    [InlineData("2:")]
    [InlineData("2:0/3000148/1")]
    [InlineData("2147483648:0/3000148")]
    [InlineData("")]
    [InlineData(null)]
    public void AMalformedTokenIsRefused(string? token) => Assert.False(ConsistencyToken.TryParse(token, out _));

    [Fact]
    public void TheTimelineOfAWalFileIsItsFirstEightHexDigits() =>
        Assert.Equal(26, ConsistencyToken.TimelineOfWalFile("0000001A0000000000000006"));
}
