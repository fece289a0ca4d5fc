/// A bad configuration value: stops the process with one line naming the variable.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let variable: String
    public let problem: String

    public init(_ variable: String, _ problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}
