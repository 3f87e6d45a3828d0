import Foundation

/// Diagnostics go to standard error so standard output stays parseable (`plan --format json`).
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Unbuffered standard output, so command lines and live progress lines stay in order when piped.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
