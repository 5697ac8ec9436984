namespace RingAttention.Distributed.Coordination;

/// <summary>What a <see cref="CoordinatorLink"/>'s loop tells its owner; called on the link's own thread, one call at a time.</summary>
internal interface ILinkListener
{
    /// <summary>A frame other than a heartbeat arrived.</summary>
    void OnFrame(CoordinatorLink link, Frame frame);

    /// <summary>The peer sent nothing, not even a heartbeat, for <paramref name="silence"/>. The loop has ended.</summary>
    void OnSilent(CoordinatorLink link, TimeSpan silence);

    /// <summary>The peer closed or reset the connection, or broke the protocol (<paramref name="error"/>). The loop has ended.</summary>
    void OnClosed(CoordinatorLink link, Exception error);
}
