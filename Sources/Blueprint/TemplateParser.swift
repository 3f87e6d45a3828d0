/// The scanner behind `Template.parse`: `${path}` is a reference, `$${` a literal `${`, any other
/// `$` is literal text.
struct TemplateParser {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var literal = String.UnicodeScalarView()
    private(set) var segments: [Template.Segment] = []
    private(set) var problems: [Template.Problem] = []
    /// Each reference with the scalar offset of its `${`, for pointing diagnostics at it.
    private(set) var offsets: [(reference: Reference, offset: Int)] = []

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    mutating func run() {
        while index < scalars.count {
            if starts(with: "$${") {
                literal.append(contentsOf: "${".unicodeScalars)
                index += 3
            } else if starts(with: "${") {
                reference()
            } else {
                literal.append(scalars[index])
                index += 1
            }
        }
        flushLiteral()
    }

    private func starts(with prefix: String) -> Bool {
        let wanted = Array(prefix.unicodeScalars)
        return index + wanted.count <= scalars.count && Array(scalars[index..<(index + wanted.count)]) == wanted
    }

    private mutating func flushLiteral() {
        guard !literal.isEmpty else { return }
        segments.append(.literal(String(literal)))
        literal = String.UnicodeScalarView()
    }

    /// At `${`: reads up to the closing `}` and classifies the path inside.
    private mutating func reference() {
        let start = index
        guard let close = scalars[(index + 2)...].firstIndex(of: "}") else {
            problems.append(.init(offset: start, message: "unterminated `${`: add a closing `}`, or write `$${` for a literal `${`"))
            literal.append(contentsOf: scalars[index...])
            index = scalars.count
            return
        }
        let written = String(String.UnicodeScalarView(scalars[start...close]))
        let inner = String(String.UnicodeScalarView(scalars[(start + 2)..<close]))
        index = close + 1
        switch Self.classify(inner.trimmingBlanks) {
        case let .success(reference):
            flushLiteral()
            segments.append(.reference(reference))
            offsets.append((reference, start))
        case let .failure(problem):
            problems.append(.init(offset: start, message: problem.message(written: written)))
            literal.append(contentsOf: written.unicodeScalars)
        }
    }

    enum ClassifyError: Error {
        case empty, malformed, unknownContext(String)

        func message(written: String) -> String {
            switch self {
            case .empty:
                return "empty interpolation `${}`"
            case .malformed:
                return "malformed reference `\(written)`: expected `${<resource>.outputs.<key>}` or a context variable such as `${pr.number}`"
            case let .unknownContext(name):
                let names = ContextVariable.allCases.map(\.rawValue)
                let hint = Suggestions.hint(for: name, in: names)
                return "unknown context variable `\(name)`" + (hint.isEmpty ? "; expected one of \(Suggestions.list(names))" : hint)
            }
        }
    }

    /// `pr.number` → context; `build.outputs.name` → output; anything else is an error.
    static func classify(_ path: String) -> Result<Reference, ClassifyError> {
        if path.isEmpty { return .failure(.empty) }
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(isIdentifierScalar) }) else {
            return .failure(.malformed)
        }
        if ContextVariable.roots.contains(parts[0]) {
            return ContextVariable(rawValue: path).map { .success(.context($0)) } ?? .failure(.unknownContext(path))
        }
        guard parts.count >= 3, parts[1] == "outputs" else { return .failure(.malformed) }
        return .success(.output(resource: parts[0], key: parts[2...].joined(separator: ".")))
    }

    static func isIdentifierScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
        default: false
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (Foundation-free).
    var trimmingBlanks: String {
        let scalars = Array(unicodeScalars)
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
