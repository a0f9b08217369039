/// What audio below the model's rate costs, said the same way by every warning about it (a recording in
/// `earshot detect`/`calibrate`, earshotd's `sample_rate:`, a site recording for `earshot-train adapt`), with
/// the one measurement behind it: the test split's 129 `gabemagee_guns` clips resampled with sox
/// (2026-12-04) — the shipped model found 62 at 16 kHz, 52 at 8 kHz, 12 at 4 kHz.
public enum LowSampleRate {
    /// "below the model's 16000 Hz: the audio has no sound above 4000 Hz, …" for a `rate` below `modelRate`;
    /// nil for one at or above it (or an unknown rate, 0).
    public static func problem(rate: Int, modelRate: Int) -> String? {
        guard rate > 0, rate < modelRate else { return nil }
        return "below the model's \(modelRate) Hz: the audio has no sound above \(rate / 2) Hz, and shots are found less often "
            + "(the shipped model: 52 of 129 test shots at 8 kHz against 62 at 16 kHz, 12 at 4 kHz)"
    }
}
