import Contract
import Foundation
import Hummingbird
import JSONTranscoding

/// Health (any host, for load balancers), the OpenAPI document, and the student's pages.
enum SiteRoutes {
    static func routes(openAPI: @escaping @Sendable () -> [UInt8], pages: PageFiles) -> [Route] {
        var routes = [
            Route(
                .get, "/v1/health", access: .open, needsTenant: false, summary: "The adapter's and the server's health",
                answer: .message(protoName: "HealthCheckResponse", schema: MessageSchema(HealthCheckResponse.self))
            ) { call throws(RESTError) in try await call.forward(Methods.HealthService.check, json: .object([])) },
            Route(
                .get, "/openapi.json", access: .open, needsTenant: false, summary: "This document",
                answer: .customJSON(name: "OpenAPI")
            ) { _ throws(RESTError) in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: openAPI())))
            },
        ]
        for (path, file) in pages.routes {
            routes.append(
                Route(
                    .get, path, access: .open, summary: "A file of the web app",
                    answer: .file(contentType: String(pages.files[file]!.contentType.split(separator: ";")[0]))
                ) { _ throws(RESTError) in
                    pages.response(file)
                })
        }
        return routes
    }
}

/// The web app's files (HTML, the built Tailwind CSS, plain JavaScript), read once at start from the
/// target's resources.
struct PageFiles: Sendable {
    struct File: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }
    let files: [String: File]

    /// Path → file name: the app is one page whose views are chosen by the URL's fragment.
    var routes: [(String, String)] { [("/", "index.html"), ("/app.js", "app.js"), ("/app.css", "app.css")] }

    static func load() throws -> PageFiles {
        var files: [String: File] = [:]
        let types = [
            "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
            "css": "text/css; charset=utf-8",
        ]
        for name in ["index.html", "app.js", "app.css"] {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Public") else {
                throw PageFilesMissing(name: name)
            }
            let data = try Data(contentsOf: url)
            files[name] = File(bytes: Array(data), contentType: types[String(name.split(separator: ".").last!)]!)
        }
        return PageFiles(files: files)
    }

    func response(_ name: String) -> Response {
        let file = files[name]!
        return Response(
            status: .ok, headers: [.contentType: file.contentType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}

struct PageFilesMissing: Error, CustomStringConvertible {
    let name: String
    var description: String { "the web app's \(name) is missing from the build's resources" }
}
