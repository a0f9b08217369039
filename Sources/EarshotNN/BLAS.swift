import COpenBLAS

/// Thin wrappers over OpenBLAS. CBLAS returns nothing to check, so shapes are validated by the callers'
/// preconditions; the only knobs are the thread count and the kernel name for reports.
public enum BLAS {
    /// Sets OpenBLAS's thread pool size. The corresponding C function is `openblas_set_num_threads`.
    /// The daemon pins this to 1: one window at a time gains nothing from threads and jitter costs latency.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// The corresponding C function is `openblas_get_num_threads`.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// The CPU kernel OpenBLAS selected (e.g. "Haswell"). The corresponding C function is `openblas_get_corename`.
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// C (m×n) = alpha · op(A) · op(B) + beta · C, row-major. op(A) is m×k, op(B) is k×n.
    /// The corresponding C function is `cblas_sgemm`.
    @inline(__always)
    static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
