@_exported import ErrorReasons
import Wire

/// A call's failure as it travels on the wire: a status code, a message for people, and a stable
/// machine-readable reason with details.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    public var reason: String
    public var details: [String: String]

    public init(_ code: StatusCode, _ message: String, reason: ErrorReason? = nil, details: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.reason = reason?.rawValue ?? ""
        self.details = details
    }

    /// An error as a peer sent it: its reason may be one this build does not know.
    public init(_ code: StatusCode, _ message: String, wireReason: String, details: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.reason = wireReason
        self.details = details
    }

    /// Whether the error carries `reason`.
    public func has(_ reason: ErrorReason) -> Bool { self.reason == reason.rawValue }

    public init(status: Status) {
        self.init(
            StatusCode(wireValue: status.code), status.message,
            wireReason: status.errorInfo?.reason ?? "", details: status.errorInfo?.metadata ?? [:])
    }

    public var status: Status {
        let info = reason.isEmpty && details.isEmpty ? nil : ErrorInfo(reason: reason, metadata: details)
        return Status(code: code.rawValue, message: message, errorInfo: info)
    }

    public var description: String {
        var text = "\(code) (\(code.rawValue)): \(message)"
        if !reason.isEmpty { text += " [\(reason)]" }
        if !details.isEmpty {
            text += " " + details.keys.sorted().map { "\($0)=\(details[$0]!)" }.joined(separator: " ")
        }
        return text
    }

    /// A request field outside its documented bounds; `field` is reported in the details.
    public static func invalidField(_ field: String, _ message: String, reason: ErrorReason = .invalidArgument)
        -> RPCError
    {
        RPCError(.invalidArgument, message, reason: reason, details: ["field": field])
    }
}
