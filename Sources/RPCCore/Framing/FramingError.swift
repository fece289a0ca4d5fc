/// A broken byte stream: after one of these the framing cannot be trusted and the connection ends.
public enum FramingError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyFrame
    case frameTooLarge(lengthBytes: UInt32, maxFrameBytes: Int)
    case malformedFrame(String)

    /// The status code docs/PROTOCOL.md gives each in the GOAWAY that precedes the close.
    public var goawayCode: StatusCode {
        switch self {
        case .frameTooLarge: return .resourceExhausted
        case .emptyFrame, .malformedFrame: return .invalidArgument
        }
    }

    public var description: String {
        switch self {
        case .emptyFrame: return "frame length 0"
        case .frameTooLarge(let length, let max): return "frame of \(length) bytes exceeds max_frame_bytes \(max)"
        case .malformedFrame(let why): return "frame does not decode: \(why)"
        }
    }
}
