/// How a hook run for an alert or a notice ended, as journalled (HOOK_OUTCOME, MESSAGE_ID hook outcome).
public enum HookOutcome: String, Sendable {
    /// It exited 0: the page went out.
    case delivered
    /// It failed and will be run again (`hook.retries`).
    case retrying
    /// It failed with no attempt left, or was not run again because earshotd stopped: the page did not go out.
    case failed
}
