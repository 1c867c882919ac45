//! The OTP header: `TotpSecret::check` with an arbitrary seed, code and time.
//!
//! Invariants: only six ASCII digits (after trimming) can be valid; a valid code names a step
//! of the ±1 window whose code it is; the code of a step in the window is always accepted.
#![no_main]

use arbitrary::Arbitrary;
use grantd_core::secret::{TotpCheck, TotpSecret};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    seed: Vec<u8>,
    code: String,
    time: i64,
    /// Also check the code generated for `time + 30 * (offset % 4 - 2)`, padded.
    offset: u8,
    pad: u8,
}

fuzz_target!(|input: Input| {
    let seed = TotpSecret::from_bytes(input.seed.clone());
    let now_step = TotpSecret::step_of(input.time);
    match seed.check(&input.code, input.time) {
        TotpCheck::Invalid => {}
        TotpCheck::Valid { step } => {
            let code = input.code.trim();
            assert!(
                code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
                "{:?} accepted",
                input.code
            );
            assert!(
                (now_step - 1..=now_step + 1).contains(&step),
                "step {step} outside the window of {now_step}"
            );
            if let Some(t) = step.checked_mul(30) {
                assert_eq!(seed.code_at(t), code);
            }
        }
    }
    // A freshly generated code, moved by up to two steps and padded with blanks.
    let delta = i64::from(input.offset % 5) - 2;
    let Some(then) = input.time.checked_add(30 * delta) else {
        return;
    };
    let code = seed.code_at(then);
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "generated {code:?}"
    );
    let padded = match input.pad % 4 {
        0 => code.clone(),
        1 => format!(" {code}"),
        2 => format!("{code}\t"),
        _ => format!(" {code} "),
    };
    let result = seed.check(&padded, input.time);
    // code_at clamps times before 1970 to 0, so only compare where no clamping happened.
    if then >= 0 && delta.abs() <= 1 {
        assert!(
            matches!(result, TotpCheck::Valid { .. }),
            "code of step {delta:+} refused"
        );
    }
    if let TotpCheck::Valid { step } = result {
        assert!((now_step - 1..=now_step + 1).contains(&step));
    }
});
