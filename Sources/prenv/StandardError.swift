import Foundation

/// Diagnostics go to standard error so standard output stays parseable (`plan --format json`).
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
