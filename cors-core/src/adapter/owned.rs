//! The decision's headers kept as a framework's own values while the application answers.

use crate::response::{Constant, CorsHeader, ResponseHeaders, Value};

/// A decision's headers as owned values of a framework's header-value type `V`, so that
/// they outlive the request: what an adapter keeps while the application answers.
/// [`HttpHeaders`](super::http::HttpHeaders) is the one for `http` 1.x; an adapter on another
/// header type (actix-web's `http` 0.2) uses this with its own.
///
/// Small, because a response future carries it and frameworks move futures (a large future
/// is copied with `memcpy` at every move; a small one in registers): constants are an index
/// each, and only the other values are owned, two of them in place. An actual request's
/// headers never have more than two (the echoed origin and the exposed headers); a preflight
/// passed on to the application can have four, and then allocates once for the last two.
/// Names and values are kept apart: a `(name, value)` pair has an odd layout whose copies
/// stall the CPU.
#[derive(Debug, Clone)]
pub struct OwnedHeaders<V> {
    /// Per [`CorsHeader`] (its discriminant), where its value is.
    slots: [HttpSlot; 8],
    /// Owned values 0 and 1.
    values: [Option<V>; 2],
    /// Owned values 2 and 3, which only a preflight passed on to the application has.
    more: Option<Box<[Option<V>; 2]>>,
}

/// Where a header's value is in [`OwnedHeaders`], in one byte (an enum with two indexed
/// variants takes two): `0` absent, `1 + i` the constant [`Constant::ALL`]`[i]`,
/// [`HttpSlot::OWNED`]` + i` owned value `i`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct HttpSlot(u8);

impl HttpSlot {
    const ABSENT: HttpSlot = HttpSlot(0);
    const OWNED: u8 = 0x10;

    fn constant(index: usize) -> HttpSlot {
        HttpSlot(1 + index as u8)
    }

    fn owned(index: usize) -> HttpSlot {
        HttpSlot(Self::OWNED + index as u8)
    }
}

impl<V> Default for OwnedHeaders<V> {
    fn default() -> Self {
        OwnedHeaders {
            slots: [HttpSlot::ABSENT; 8],
            values: [None, None],
            more: None,
        }
    }
}

impl<V> OwnedHeaders<V> {
    /// Keeps `decided`'s headers: each constant as its index in [`Constant::ALL`], every
    /// other value as `own` makes it (a header `own` gives no value for is left out).
    pub fn new(
        decided: &ResponseHeaders<'_>,
        mut own: impl FnMut(CorsHeader, Value<'_>) -> Option<V>,
    ) -> Self {
        let mut out = OwnedHeaders::default();
        let mut next = 0;
        for (name, value) in decided.iter() {
            if let Value::Constant(constant) = value {
                out.slots[name as usize] = HttpSlot::constant(constant as usize);
                continue;
            }
            // At most four headers carry values that are not constants (an accepted
            // preflight's origin, method, headers and max-age), so a place is always free.
            let Some(value) = own(name, value) else {
                continue;
            };
            let place = out.place(next);
            debug_assert!(place.is_some(), "more than four owned CORS headers");
            if let Some(place) = place {
                *place = Some(value);
                out.slots[name as usize] = HttpSlot::owned(next);
                next += 1;
            }
        }
        out
    }

    /// Hands every header to `write`, in [`CorsHeader::WRITING_ORDER`]; a constant is a
    /// clone from `constants`, the framework's values of [`Constant::ALL`] in their order.
    pub fn write_each(
        mut self,
        constants: &[V; Constant::ALL.len()],
        mut write: impl FnMut(CorsHeader, V),
    ) where
        V: Clone,
    {
        for name in CorsHeader::WRITING_ORDER {
            let value = match self.slots[name as usize] {
                HttpSlot(0) => None,
                HttpSlot(c @ 1..HttpSlot::OWNED) => constants.get(usize::from(c - 1)).cloned(),
                HttpSlot(o) => match usize::from(o - HttpSlot::OWNED) {
                    i @ 0..=1 => self.values.get_mut(i).and_then(Option::take),
                    i => self.take_more(i - 2),
                },
            };
            if let Some(value) = value {
                write(name, value);
            }
        }
    }

    /// Owned value `2 + index`: off the hot path, which only a passed-on preflight takes.
    #[cold]
    #[inline(never)]
    fn take_more(&mut self, index: usize) -> Option<V> {
        self.more.as_mut()?.get_mut(index)?.take()
    }

    /// The place for owned value `index` (0 to 3), making room for 2 and 3 on first use.
    fn place(&mut self, index: usize) -> Option<&mut Option<V>> {
        match index {
            0..=1 => self.values.get_mut(index),
            _ => self.place_more(index - 2),
        }
    }

    /// The place for owned value `2 + index`, allocated on first use: off the hot path.
    #[cold]
    #[inline(never)]
    fn place_more(&mut self, index: usize) -> Option<&mut Option<V>> {
        self.more
            .get_or_insert_with(|| Box::new([None, None]))
            .get_mut(index)
    }
}
