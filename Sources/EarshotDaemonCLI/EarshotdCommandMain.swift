import EarshotDaemon

/// Starts `earshotd`: the entry point of the `earshotd` executable and of the multi-call program the Debian
/// package ships (`earshot-multicall`, run as /usr/bin/earshotd).
public enum EarshotdCommandMain {
    /// On the main actor, so the detection thread is started on the main thread, which keeps the process's nice
    /// (the unit's Nice=): every other thread so far is libdispatch's, reniced to 0, and a thread inherits the
    /// nice of the thread that starts it (`DetectionThread`).
    @MainActor public static func main() async {
        DetectionThread.start()
        await Earshotd.main()
    }
}
