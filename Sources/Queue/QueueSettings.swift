import Settings

/// The run queue: Redis Streams when `CAREERAI_REDIS_URL` is set, else the embedded queue with the
/// in-process worker; `CAREERAI_QUEUE` names the stream.
public struct QueueSettings: Sendable {
    /// Nil: the embedded queue.
    public var redisURL: String?
    public var name = "careerai_queue"

    public init() {}

    public init(settings root: SettingsReader) throws(ConfigurationError) {
        let settings = root.scoped(to: "careerai")
        self.init()
        redisURL = try settings.url("redisUrl", schemes: ["redis"], isSecret: true)
        name = settings.string("queue") ?? name
        guard name.utf8.count <= 128,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-:.".contains($0)) })
        else {
            throw ConfigurationError(settings.variableName("queue"), "'\(name)' must be 1-128 letters, digits or _-:.")
        }
    }
}
