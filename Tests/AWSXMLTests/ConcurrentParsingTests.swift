import Foundation
import Testing
import AWSXML

/// Many tasks parsing at once must neither crash nor see each other's errors (per-call parser contexts).
@Suite("Concurrent parsing")
struct ConcurrentParsingTests {
    @Test func taskGroupOfMixedGoodAndBadDocuments() async throws {
        let good = try Fixtures.data("cloudformation/DescribeStackEvents.response.xml")
        let bad = try Fixtures.data("cloudformation/DescribeStackEvents.response.verbatim-malformed.xml")
        let moto = try Fixtures.data("query-errors/cloudformation-ValidationError.moto-rendered.xml")
        let truncated = Data("<a>\n<b>\n".utf8)
        let cfn = ["e": "http://cloudformation.amazonaws.com/doc/2010-05-15/"]

        let outcomes = await withTaskGroup(of: String.self) { group in
            for index in 0..<400 {
                group.addTask {
                    do throws(XMLParseError) {
                        switch index % 4 {
                        case 0:
                            let root = try XMLDocument.parse(good)
                            return "events \(root.all("DescribeStackEventsResult", "StackEvents", "member").count)"
                        case 1:
                            _ = try XMLDocument.parse(bad)
                            return "bad parsed?!"
                        case 2:
                            let codes = try XMLDocument.xpath(moto, "//e:Code", namespaces: cfn)
                            return "code \(codes.first?.text ?? "-")"
                        default:
                            _ = try XMLDocument.parse(truncated)
                            return "truncated parsed?!"
                        }
                    } catch {
                        return "error line \(error.line)"
                    }
                }
            }
            var counts: [String: Int] = [:]
            for await outcome in group { counts[outcome, default: 0] += 1 }
            return counts
        }
        #expect(outcomes == ["events 5": 100, "error line 11": 100, "code ValidationError": 100, "error line 3": 100])
    }
}
