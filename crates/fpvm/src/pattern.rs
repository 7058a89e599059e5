//! Step patterns, as the reference VMs' `run` flags take them: `never`, `always`, `=N` (at step N)
//! and `%N` (every N steps).

use std::str::FromStr;

/// When something happens during a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StepPattern {
    /// Never.
    #[default]
    Never,
    /// At every step.
    Always,
    /// At exactly this step.
    At(u64),
    /// At every step that is a multiple of this.
    Every(u64),
}

impl FromStr for StepPattern {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let number = |n: &str| {
            n.parse::<u64>()
                .map_err(|_| format!("invalid step pattern {s:?}: {n:?} is not a step number"))
        };
        match s {
            "" | "never" => Ok(StepPattern::Never),
            "always" => Ok(StepPattern::Always),
            _ if s.starts_with('=') => Ok(StepPattern::At(number(&s[1..])?)),
            _ if s.starts_with('%') => match number(&s[1..])? {
                0 => Err(format!("invalid step pattern {s:?}: %0 matches nothing")),
                n => Ok(StepPattern::Every(n)),
            },
            _ => Err(format!(
                "invalid step pattern {s:?}: expected never, always, =N or %N"
            )),
        }
    }
}

impl StepPattern {
    /// Whether the pattern matches `step`.
    pub fn matches(self, step: u64) -> bool {
        match self {
            StepPattern::Never => false,
            StepPattern::Always => true,
            StepPattern::At(n) => step == n,
            StepPattern::Every(n) => step.is_multiple_of(n),
        }
    }

    /// The first step at or after `step` that matches, if any.
    pub fn next_match(self, step: u64) -> Option<u64> {
        match self {
            StepPattern::Never => None,
            StepPattern::Always => Some(step),
            StepPattern::At(n) => (n >= step).then_some(n),
            StepPattern::Every(n) => step.div_ceil(n).checked_mul(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        assert_eq!("never".parse(), Ok(StepPattern::Never));
        assert_eq!("=42".parse(), Ok(StepPattern::At(42)));
        assert_eq!("%1000".parse(), Ok(StepPattern::Every(1000)));
        assert!("%0".parse::<StepPattern>().is_err());
        assert!("=x".parse::<StepPattern>().is_err());
        assert!("sometimes".parse::<StepPattern>().is_err());
        assert!(StepPattern::Every(10).matches(20));
        assert_eq!(StepPattern::Every(10).next_match(21), Some(30));
        assert_eq!(StepPattern::Every(10).next_match(20), Some(20));
        assert_eq!(StepPattern::At(5).next_match(6), None);
        assert_eq!(StepPattern::Always.next_match(6), Some(6));
    }
}
