import CYaml

/// How many nodes a YAML text stands for once its aliases are followed, counted from libyaml's events
/// before Yams composes a tree.
///
/// Yams composes an alias as a copy of the anchored node, and hashes and compares mapping keys in full
/// to find duplicates: nine nested levels of nine aliases each (a "billion laughs") stand for 9⁹ nodes,
/// and an aliased key makes composing alone take that long. Counting first, with each anchor's size
/// remembered rather than expanded, takes one pass over the text whatever the aliases say.
enum YAMLExpansion {
    enum Outcome: Equatable {
        /// Within `limit`; the count is exact.
        case within(nodes: Int)
        /// The count passed `limit` at this event (the rest was not read).
        case exceeds(at: SourcePosition)
        /// libyaml could not parse it; the composer reports the syntax error in its own words.
        case unparsable
    }

    /// A blueprint is a few hundred nodes; a hundred thousand is already far past any real one, and
    /// counting that many takes milliseconds.
    static let defaultLimit = 100_000

    static func count(_ yaml: String, limit: Int = defaultLimit) -> Outcome {
        var bytes = Array(yaml.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer -> Outcome in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return .unparsable }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count - 1)
            var counter = Counter(limit: limit)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return .unparsable }
                defer { yaml_event_delete(&event) }
                let position = SourcePosition(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return .within(nodes: counter.total)
                case YAML_SCALAR_EVENT:
                    counter.add(1, anchor: string(event.data.scalar.anchor))
                case YAML_ALIAS_EVENT:
                    counter.addAlias(string(event.data.alias.anchor))
                case YAML_SEQUENCE_START_EVENT:
                    counter.open(anchor: string(event.data.sequence_start.anchor))
                case YAML_MAPPING_START_EVENT:
                    counter.open(anchor: string(event.data.mapping_start.anchor))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    counter.close()
                default:
                    continue
                }
                if counter.total > limit { return .exceeds(at: position) }
            }
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    /// Every node counts once per place it appears: a collection is itself plus its contents, an alias is
    /// the size of what it names (an undefined alias counts one; the composer reports it).
    private struct Counter {
        let limit: Int
        var total = 0
        /// Open collections: their anchor and their size so far.
        var open: [(anchor: String?, size: Int)] = []
        var sizes: [String: Int] = [:]

        init(limit: Int) { self.limit = limit }

        mutating func add(_ size: Int, anchor: String? = nil) {
            total += size
            if !open.isEmpty { open[open.count - 1].size += size }
            if let anchor { sizes[anchor] = size }
        }

        mutating func addAlias(_ anchor: String?) {
            add(anchor.flatMap { sizes[$0] } ?? 1)
        }

        mutating func open(anchor: String?) {
            total += 1
            open.append((anchor, 1))
        }

        mutating func close() {
            guard let closed = open.popLast() else { return }
            if !open.isEmpty { open[open.count - 1].size += closed.size }
            if let anchor = closed.anchor { sizes[anchor] = closed.size }
        }
    }
}
