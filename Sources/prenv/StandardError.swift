import ArgumentParser
import Foundation
import PrenvApp

/// Diagnostics go to standard error so standard output stays parseable (`plan --format json`).
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Unbuffered standard output, so command lines and live progress lines stay in order when piped.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Runs a piece of wiring; when it cannot start, prints why (as the composition root said it)
/// and exits 1, the way every command reports a setup problem.
func orExit<T>(_ body: () throws(StartupError) -> T) throws(ExitCode) -> T {
    do {
        return try body()
    } catch {
        for line in error.lines { printToStandardError(line) }
        throw ExitCode(1)
    }
}

/// `orExit` for wiring that awaits (reading the state store).
func orExit<T>(_ body: () async throws(StartupError) -> T) async throws(ExitCode) -> T {
    do {
        return try await body()
    } catch {
        for line in error.lines { printToStandardError(line) }
        throw ExitCode(1)
    }
}
