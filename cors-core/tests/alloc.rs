//! Deciding makes no heap allocation on the hot paths: counted, not believed.
//!
//! A counting global allocator counts allocations made by the current thread only (a
//! thread-local switch), so the test harness's other threads cannot disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use fetch_cors::{Cors, CorsRequest, Decision};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made while `f` runs on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (COUNT.with(Cell::get), out)
}

type Lines<'a> = &'a [(&'a str, &'a [u8])];
/// Name, policy, method, header lines, expected kind.
type Scenario<'a> = (
    &'a str,
    &'a Cors,
    &'a str,
    Vec<(&'a str, &'a [u8])>,
    &'a str,
);

/// Fills the request and decides, inside the counted region; returns the decision's kind.
fn count(cors: &Cors, method: &str, lines: Lines<'_>) -> (usize, &'static str) {
    allocations(|| {
        let mut req = CorsRequest::new(method.as_bytes());
        for (name, value) in lines {
            req.add_header(name.as_bytes(), value);
        }
        let decision = cors.decide(&req);
        // Touch every header so nothing is left lazily unevaluated.
        let bytes: usize = decision
            .headers()
            .iter()
            .map(|(_, v)| v.as_bytes().len())
            .sum();
        std::hint::black_box(bytes);
        match decision {
            Decision::NotCors(_) => "not-cors",
            Decision::Actual {
                rejection: None, ..
            } => "actual",
            Decision::Actual { .. } => "actual-refused",
            Decision::PreflightAccepted { .. } => "preflight",
            Decision::PreflightPassthrough(_) => "passthrough",
            Decision::PreflightRejected { .. } => "rejected",
        }
    })
}

#[test]
fn hot_paths_allocate_nothing() {
    let many: Vec<String> = (0..1000)
        .map(|i| format!("https://app{i}.example.com"))
        .collect();
    let sixteen: Vec<String> = (0..16).map(|i| format!("x-h{i}")).collect();
    let exact = Cors::builder()
        .allow_origins(many)
        .allow_origin_patterns(["https://*.example.org", "http://localhost:*"])
        .allow_methods(["PUT", "PATCH", "DELETE"])
        .allow_headers(sixteen.clone())
        .expose_headers(["x-total-count"])
        .allow_credentials(true)
        .allow_private_network(true)
        .max_age(600)
        .build()
        .unwrap();
    let any = Cors::builder()
        .allow_any_origin()
        .allow_any_method()
        .allow_any_header()
        .build()
        .unwrap();
    let acrh16 = sixteen.join(", ");
    let commas = vec![b','; 1024];
    let names = |n: usize| -> String {
        (0..n)
            .map(|i| format!("x-{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (names500, names10k) = (names(500), names(10_000));

    let o: (&str, &[u8]) = ("origin", b"https://app500.example.com");
    let acrm: (&str, &[u8]) = ("access-control-request-method", b"PUT");
    let scenarios: Vec<Scenario<'_>> = vec![
        ("no Origin", &exact, "GET", vec![], "not-cors"),
        ("no Origin, any", &any, "GET", vec![], "not-cors"),
        ("exact origin among 1,000", &exact, "GET", vec![o], "actual"),
        (
            "pattern origin",
            &exact,
            "GET",
            vec![("origin", b"https://a.b.example.org")],
            "actual",
        ),
        (
            "port pattern",
            &exact,
            "GET",
            vec![("origin", b"http://localhost:5173")],
            "actual",
        ),
        ("any origin", &any, "POST", vec![o], "actual"),
        (
            "refused origin",
            &exact,
            "GET",
            vec![("origin", b"https://evil.test")],
            "actual-refused",
        ),
        (
            "malformed origin",
            &exact,
            "GET",
            vec![("origin", b"https://App.example.com/")],
            "actual-refused",
        ),
        ("two origins", &exact, "GET", vec![o, o], "actual-refused"),
        (
            "preflight with 16 headers",
            &exact,
            "OPTIONS",
            vec![
                o,
                acrm,
                ("access-control-request-headers", acrh16.as_bytes()),
                ("access-control-request-private-network", b"true"),
            ],
            "preflight",
        ),
        (
            "preflight under wildcards",
            &any,
            "OPTIONS",
            vec![o, acrm, ("access-control-request-headers", b"x-a,x-b,x-c")],
            "preflight",
        ),
        (
            "preflight, origin refused",
            &exact,
            "OPTIONS",
            vec![("origin", b"https://evil.test"), acrm],
            "rejected",
        ),
        (
            "preflight, method refused",
            &exact,
            "OPTIONS",
            vec![o, ("access-control-request-method", b"put")],
            "rejected",
        ),
        (
            "preflight, header refused",
            &exact,
            "OPTIONS",
            vec![o, acrm, ("access-control-request-headers", b"x-h1, x-nope")],
            "rejected",
        ),
        (
            "preflight, 1,024 commas",
            &exact,
            "OPTIONS",
            vec![o, acrm, ("access-control-request-headers", &commas)],
            "rejected",
        ),
        (
            "preflight, 500 names echoed",
            &any,
            "OPTIONS",
            vec![
                o,
                acrm,
                ("access-control-request-headers", names500.as_bytes()),
            ],
            "preflight",
        ),
        (
            "preflight, 10,000 names",
            &any,
            "OPTIONS",
            vec![
                o,
                acrm,
                ("access-control-request-headers", names10k.as_bytes()),
            ],
            "rejected",
        ),
    ];
    let mut report = Vec::new();
    for (name, cors, method, lines, kind) in &scenarios {
        // Warm up once: lazily initialised statics (none expected) are not per-request cost.
        count(cors, method, lines);
        let (n, got) = count(cors, method, lines);
        assert_eq!(got, *kind, "{name}");
        if n != 0 {
            report.push(format!("{name}: {n} allocations"));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn only_a_split_header_list_allocates() {
    let cors = Cors::builder()
        .allow_any_origin()
        .allow_headers(["x-a", "x-b"])
        .build()
        .unwrap();
    let lines: Lines<'_> = &[
        ("origin", b"https://a.example"),
        ("access-control-request-method", b"GET"),
        ("access-control-request-headers", b"x-a"),
        ("access-control-request-headers", b"x-b"),
    ];
    count(&cors, "OPTIONS", lines);
    let (n, kind) = count(&cors, "OPTIONS", lines);
    assert_eq!(kind, "preflight");
    // The request view's list of lines (kept inline only while there is one), the joined
    // list, and the header value copied from it.
    assert_eq!(n, 3);
}

#[test]
fn the_counter_counts() {
    let (n, v) = allocations(|| vec![1u8; 10]);
    assert_eq!(v.len(), 10);
    assert_eq!(n, 1);
}

#[test]
fn a_restricted_wildcard_allocates_nothing() {
    fn can_receive(method: &[u8]) -> bool {
        matches!(method, b"PUT" | b"PATCH" | b"DELETE" | b"OPTIONS")
    }
    let cors = Cors::builder()
        .allow_any_origin()
        .allow_any_method()
        .build()
        .unwrap()
        .restrict_methods("Example 1.0", can_receive)
        .unwrap();
    let o: (&str, &[u8]) = ("origin", b"https://a.example");
    for (method, kind) in [(&b"PATCH"[..], "preflight"), (b"patch", "rejected")] {
        let lines: Lines<'_> = &[o, ("access-control-request-method", method)];
        count(&cors, "OPTIONS", lines);
        assert_eq!(count(&cors, "OPTIONS", lines), (0, kind));
    }
    assert_eq!(count(&cors, "PURGE", &[o]), (0, "actual"));
}

#[test]
fn a_live_policy_allocates_nothing() {
    use fetch_cors::{CorsSource, LiveCors};

    let before = Cors::builder()
        .allow_origin("https://a.example")
        .allow_methods(["PUT"])
        .build()
        .unwrap();
    let after = Cors::builder()
        .allow_origin("https://b.example")
        .allow_methods(["PUT"])
        .build()
        .unwrap();
    let live = LiveCors::new(before);
    let source = CorsSource::from(live.clone());
    let decide = |origin: &[u8], method: &[u8]| {
        allocations(|| {
            let current = source.load();
            let mut req = CorsRequest::new(method);
            req.add_origin(origin).add_request_method(b"PUT");
            current.decide(&req).rejection().is_none()
        })
    };
    // The first load on a thread makes the thread's copy (once per thread, not per request).
    decide(b"https://a.example", b"OPTIONS");
    assert_eq!(decide(b"https://a.example", b"OPTIONS"), (0, true));
    assert_eq!(decide(b"https://a.example", b"GET"), (0, true));
    live.replace(after).unwrap();
    // The first load on a thread after a replacement makes the thread's copy of the new
    // version: one allocation, once per thread and replacement, never per request.
    assert_eq!(decide(b"https://a.example", b"OPTIONS"), (1, false));
    assert_eq!(decide(b"https://a.example", b"OPTIONS"), (0, false));
    assert_eq!(decide(b"https://b.example", b"OPTIONS"), (0, true));
    assert_eq!(decide(b"https://b.example", b"GET"), (0, true));
}
