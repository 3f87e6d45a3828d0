/// How providers poll AWS for progress (stacks, pipeline executions) and how much runs at once;
/// the same for `up`, `down` and `serve`, whose flags fill it in.
public struct Polling: Sendable, Equatable {
    /// Seconds between the first status polls; providers back off from there to 15 s.
    public var pollInterval: Double
    /// How many resources one operation works on at once.
    public var concurrency: Int

    public init(pollInterval: Double = 2, concurrency: Int = 4) {
        self.pollInterval = pollInterval
        self.concurrency = concurrency
    }
}
