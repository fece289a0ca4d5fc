extension Duration {
    /// Whole seconds, rounded down: what unix-second timestamps add and compare.
    public var wholeSeconds: Int64 { components.seconds }

    /// Whole milliseconds, rounded down.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}
