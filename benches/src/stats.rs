//! Medians and their confidence intervals.
//!
//! The machines this runs on slow down in bursts, so a mean is at the mercy of a few slow
//! samples; the median is not, and the order statistics around it give a 95% confidence
//! interval without assuming any distribution.

/// A median and its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The sample median.
    pub median: f64,
    /// The lower bound of the interval.
    pub low: f64,
    /// The upper bound of the interval.
    pub high: f64,
    /// How many samples.
    pub n: usize,
}

/// The median of `samples` and its distribution-free 95% confidence interval: the order
/// statistics `n/2 ∓ 0.98·√n` (the normal approximation to the binomial), clamped to the
/// sample. `None` for no samples.
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted: Vec<f64> = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let half = 0.98 * (n as f64).sqrt();
    let centre = n as f64 / 2.0;
    let low = ((centre - half).floor().max(0.0) as usize).min(n - 1);
    let high = ((centre + half).ceil() as usize).min(n - 1);
    Some(Summary {
        median,
        low: sorted[low],
        high: sorted[high],
        n,
    })
}

/// The geometric mean of positive values (`None` for none, or for any that is not
/// positive).
pub fn geometric_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| *v <= 0.0 || !v.is_finite()) {
        return None;
    }
    let mean_log = values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64;
    Some(mean_log.exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_interval() {
        let samples: Vec<f64> = (1..=101).map(f64::from).collect();
        let s = summarize(&samples).unwrap();
        assert_eq!(s.median, 51.0);
        assert!(s.low < 51.0 && s.low >= 40.0, "{s:?}");
        assert!(s.high > 51.0 && s.high <= 62.0, "{s:?}");
        assert_eq!(summarize(&[3.0]).unwrap().median, 3.0);
        assert_eq!(summarize(&[1.0, 3.0]).unwrap().median, 2.0);
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn geometric_mean_of_ratios() {
        assert!((geometric_mean(&[2.0, 8.0]).unwrap() - 4.0).abs() < 1e-9);
        assert!(geometric_mean(&[1.0, 0.0]).is_none());
    }
}
