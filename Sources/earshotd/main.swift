// `earshotd`, the detector service (its code: Sources/EarshotDaemonCLI).
import EarshotDaemonCLI

await EarshotdCommandMain.main()
