@testable import EarshotDaemon
import Foundation
import Testing

/// `DetectionThread`, the task executor the detection loop prefers: every job of the task runs on its one thread,
/// also after a suspension (a sleep, an `AsyncStream` wait), in order; a child task runs there too.
@Suite struct DetectionThreadTests {
    @Test func aTaskThatPrefersItRunsOnItsThreadAcrossSuspensions() async throws {
        let executor = DetectionThread.shared
        #expect(executor.threadID > 0 && executor.threadID != ThreadName.currentID())
        let (stream, feed) = AsyncStream<Int>.makeStream()
        let seen = try await withTaskExecutorPreference(executor) { () async throws -> [pid_t] in
            var ids = [ThreadName.currentID()]
            try await Task.sleep(for: .milliseconds(20))
            ids.append(ThreadName.currentID())
            // woken from another thread, as the capture thread wakes the loop
            let feeder = Thread { Thread.sleep(forTimeInterval: 0.02); feed.yield(1); feed.finish() }
            feeder.start()
            for await _ in stream { ids.append(ThreadName.currentID()) }
            ids.append(ThreadName.currentID())
            ids.append(await withTaskGroup(of: pid_t.self) { g in g.addTask { ThreadName.currentID() }; return await g.next()! })
            return ids
        }
        #expect(seen.count == 5 && seen.allSatisfy { $0 == executor.threadID }, "ran on \(seen), the thread is \(executor.threadID)")
        #expect(ThreadName.currentID() != executor.threadID)
    }

    @Test func itsThreadIsNamed() throws {
        let tid = DetectionThread.shared.threadID
        let comm = try String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8)
        #expect(comm == "earshot-detect\n")
    }
}
