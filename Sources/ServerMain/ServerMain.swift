import ArgumentParser
import ServerApp

// The executable is only an entry point; everything lives in ServerApp so that tests can drive it.
@main
extension CareerAIServerCommand {}
