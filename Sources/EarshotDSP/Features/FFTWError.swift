import CFFTW
import Foundation

/// A failing FFTW call. FFTW reports failure only by returning NULL (from `fftwf_plan_*` and `fftwf_malloc`).
public struct FFTWError: Error, CustomStringConvertible {
    public var call: String
    public var detail: String
    public var description: String { "\(call) failed: \(detail)" }
}

/// The one checker for FFTW calls: turns a NULL result into `FFTWError` naming the call.
@discardableResult
func fftwCheck<T>(_ result: T?, _ call: String, _ detail: @autoclosure () -> String) throws -> T {
    guard let r = result else { throw FFTWError(call: call, detail: detail()) }
    return r
}

/// FFTW's planner is not thread-safe (only `fftwf_execute*` is): every plan creation and destruction goes
/// through this lock. ref: FFTW 3 manual §5.4 "Thread safety".
let fftwPlannerLock = NSLock()
