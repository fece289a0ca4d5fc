import HTTPTypes
import Hummingbird

/// The routes by path: a match, a path known for other methods (405 with `Allow`), or none (404).
struct RouteTable: Sendable {
    let routes: [Route]

    enum Match {
        case found(Route, [String: String])
        case wrongMethod(allowed: [HTTPRequest.Method])
        case none
    }

    func match(method: HTTPRequest.Method, path: String) -> Match {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [HTTPRequest.Method] = []
        for route in routes {
            guard let parameters = route.match(segments) else { continue }
            if route.method == method || (method == .head && route.method == .get) {
                return .found(route, parameters)
            }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .none : .wrongMethod(allowed: allowed)
    }
}
