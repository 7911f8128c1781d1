//! Seeded random Python values for the live differential tests: strings over the code
//! points that JSON, latin-1 and UTF-16 treat specially (lone surrogates included), floats
//! at the edges of `repr`, integers beyond 64 bits, nested lists and dicts.

#![allow(dead_code)]

use djsign::pyjson::{BigInt, Dict, PyString, Value};

/// A seed for this run: `DJSIGN_LIVE_SEED` to replay one, else a fresh one from the clock
/// and the process id (printed by the tests, so a failure can be replayed).
pub fn seed() -> u64 {
    std::env::var("DJSIGN_LIVE_SEED")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            t ^ u64::from(std::process::id()).rotate_left(32)
        })
}

/// xorshift64*: small, seeded, reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const CODE_POINTS: &[u32] = &[
    0x61, 0x7a, 0x20, 0x22, 0x5c, 0x2f, 0x3a, 0x2e, 0x0, 0x1, 0x8, 0x9, 0xa, 0xc, 0xd, 0x1f, 0x7f,
    0x80, 0xa0, 0xe9, 0xff, 0x100, 0x2028, 0x2029, 0xfeff, 0xfffd, 0xffff, 0x1f600, 0x10ffff,
    0xd800, 0xdbff, 0xdc00, 0xdfff, 0x3c, 0x3e, 0x26, 0x27,
];

pub fn random_string(rng: &mut Rng, surrogates: bool) -> PyString {
    // Mostly short, as session values are; one in ten up to 3000 code points.
    let len = if rng.chance(10) {
        100 + rng.below(2900)
    } else {
        rng.below(12)
    };
    let cps = (0..len).map(|_| {
        let cp = if rng.chance(50) {
            0x20 + rng.below(95) as u32
        } else {
            *rng.pick(CODE_POINTS)
        };
        if !surrogates && (0xd800..=0xdfff).contains(&cp) {
            0x41
        } else {
            cp
        }
    });
    PyString::from_code_points(cps.collect::<Vec<_>>()).unwrap()
}

pub fn random_float(rng: &mut Rng) -> f64 {
    match rng.below(4) {
        0 => *rng.pick(&[
            0.0,
            -0.0,
            1e16,
            1e-5,
            1.5e-5,
            1e-7,
            0.1,
            1e22,
            5e-324,
            1.7976931348623157e308,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e15,
            9999999999999998.0,
            0.0001,
            0.00009999,
        ]),
        1 => f64::from_bits(rng.next()),
        2 => (rng.next() as i64 as f64) / 1000.0,
        _ => (rng.below(2000) as f64 - 1000.0) * 10f64.powi(rng.below(40) as i32 - 20),
    }
}

pub fn random_value(rng: &mut Rng, depth: u32) -> Value {
    let top = if depth >= 4 { 6 } else { 8 };
    match rng.below(top) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => Value::Int(match rng.below(3) {
            0 => rng.below(100) as i64 - 50,
            1 => rng.next() as i64,
            _ => *rng.pick(&[i64::MIN, i64::MAX, 0, -1]),
        }),
        3 => {
            let digits: String = (0..20 + rng.below(40))
                .map(|_| (b'1' + rng.below(9) as u8) as char)
                .collect();
            let text = if rng.chance(50) {
                format!("-{digits}")
            } else {
                digits
            };
            Value::BigInt(BigInt::parse(&text).unwrap())
        }
        4 => Value::Float(random_float(rng)),
        5 => Value::Str(random_string(rng, true)),
        6 => Value::List(
            (0..rng.below(6))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut d = Dict::new();
            for _ in 0..rng.below(6) {
                d.insert(random_string(rng, true), random_value(rng, depth + 1));
            }
            Value::Dict(d)
        }
    }
}
