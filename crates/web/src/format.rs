//! Times and counts as people read them, in their own time zone and locale: "Today at 4:38 PM",
//! "Yesterday at 9:02 AM", "Nov 20, 2026 at 4:38 PM", "1 member", "2 members".

use chrono::{DateTime, Utc};
use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

/// A calendar day in the reader's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalDay {
    year: u32,
    month: u32,
    day: u32,
}

fn js_date(at: DateTime<Utc>) -> Date {
    Date::new(&JsValue::from_f64(at.timestamp_millis() as f64))
}

fn day_of(date: &Date) -> LocalDay {
    LocalDay {
        year: date.get_full_year(),
        month: date.get_month(),
        day: date.get_date(),
    }
}

pub fn local_day(at: DateTime<Utc>) -> LocalDay {
    day_of(&js_date(at))
}

/// `Intl.DateTimeFormat` options from pairs.
fn options(pairs: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        // Setting a plain property on a fresh object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object
}

fn format(date: &Date, pairs: &[(&str, &str)]) -> String {
    date.to_locale_string("default", &options(pairs)).into()
}

/// "4:38 PM" (or "16:38", as the reader's locale has it).
pub fn clock(at: DateTime<Utc>) -> String {
    format(&js_date(at), &[("hour", "numeric"), ("minute", "2-digit")])
}

/// "Today at 4:38 PM", "Yesterday at 4:38 PM", or the date for anything older.
pub fn calendar(at: DateTime<Utc>) -> String {
    let date = js_date(at);
    let day = day_of(&date);
    let time = clock(at);
    let now = Date::new_0();
    if day == day_of(&now) {
        return format!("Today at {time}");
    }
    let yesterday = Date::new(&JsValue::from_f64(now.get_time() - 86_400_000.0));
    if day == day_of(&yesterday) {
        return format!("Yesterday at {time}");
    }
    let date = format(
        &date,
        &[("year", "numeric"), ("month", "short"), ("day", "numeric")],
    );
    format!("{date} at {time}")
}

/// "Monday, November 23, 2026 at 4:38 PM": for tooltips and the long-press menu.
pub fn full(at: DateTime<Utc>) -> String {
    format(
        &js_date(at),
        &[("dateStyle", "full"), ("timeStyle", "short")],
    )
}

/// "November 23, 2026": the divider between days in a message list.
pub fn day_label(at: DateTime<Utc>) -> String {
    format(&js_date(at), &[("dateStyle", "long")])
}

/// "1 member", "2 members".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A file size as people read it: `840 B`, `12.5 KB`, `3.2 MB` (powers of 1024, as file
/// managers show them).
pub fn bytes(size: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if size < 1024 {
        return format!("{size} B");
    }
    let mut value = size as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
