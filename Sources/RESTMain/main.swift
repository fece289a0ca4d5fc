import RESTAdapter

// Parsed and run explicitly: ArgumentParser's async `main()` asks for an availability annotation.
do {
    let command = try RESTCommand.parse(Array(CommandLine.arguments.dropFirst()))
    try await command.run()
} catch {
    RESTCommand.exit(withError: error)
}
