"""TypeScript code-generation problems: spec, a correct solution, plausible wrong ones, and checks.

Each problem's ``tests`` are TypeScript statements using ``eq(actual, expected)``, ``throws(fn)`` and
``await rejects(fn, messagePart)``; ``check_ts.py`` compiles every gold and distractor with tsc and runs
the tests with node: the gold must pass, every distractor must fail (tsc error or a failing check).
"""

from __future__ import annotations

PROBLEMS: list[dict] = []


def P(name: str, area: str, spec: str, gold: str, wrong: list[str], tests: list[str]) -> None:
    PROBLEMS.append(
        {
            "name": name,
            "area": area,
            "spec": spec.strip(),
            "gold": gold.strip() + "\n",
            "wrong": [w.strip() + "\n" for w in wrong],
            "tests": tests,
        }
    )


P(
    "chunk",
    "shared utils",
    """
Write `chunk<T>(items: readonly T[], size: number): T[][]` that splits `items` into consecutive groups of
`size` elements. The last group holds the remainder and may be shorter. An empty input gives `[]`.
Throw a `RangeError` when `size` is not a positive integer. Do not mutate the input.
""",
    """
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`size must be a positive integer, got ${size}`);
  }
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}
""",
    [
        """
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`size must be a positive integer, got ${size}`);
  }
  const out: T[][] = [];
  for (let i = 0; i <= items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}
""",
        """
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new RangeError("size must be >= 1");
  return Array.from({ length: Math.floor(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}
""",
    ],
    [
        "eq(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);",
        "eq(chunk([1, 2, 3, 4], 2), [[1, 2], [3, 4]]);",
        "eq(chunk([], 3), []);",
        "throws(() => chunk([1], 0));",
    ],
)

P(
    "clamp",
    "shared utils",
    """
Write `clamp(value: number, min: number, max: number): number` returning `value` limited to the
inclusive range [min, max]. Throw a `RangeError` when `min > max`. `NaN` in gives `NaN` out.
""",
    """
export function clamp(value: number, min: number, max: number): number {
  if (min > max) {
    throw new RangeError(`min (${min}) must not be greater than max (${max})`);
  }
  return Math.min(Math.max(value, min), max);
}
""",
    [
        """
export function clamp(value: number, min: number, max: number): number {
  if (min > max) throw new RangeError("min > max");
  return Math.max(Math.min(value, min), max);
}
""",
        """
export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
""",
    ],
    [
        "eq(clamp(5, 0, 10), 5);",
        "eq(clamp(-3, 0, 10), 0);",
        "eq(clamp(42, 0, 10), 10);",
        "throws(() => clamp(1, 5, 2));",
    ],
)

P(
    "slugify",
    "CMS",
    """
Write `slugify(input: string): string` for article URLs. Lower-case ASCII letters and digits only;
every run of other characters becomes a single `-`; no leading or trailing `-`. Accented letters lose
their accents ("Crème Brûlée" -> "creme-brulee"). A title with no letters or digits gives "".
""",
    """
export function slugify(input: string): string {
  return input
    .normalize("NFKD")
    .replace(/[\\u0300-\\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
""",
    [
        """
export function slugify(input: string): string {
  return input
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
""",
        """
export function slugify(input: string): string {
  return input.trim().toLowerCase().replace(/\\s+/g, "-");
}
""",
    ],
    [
        'eq(slugify("  Hello, World!  "), "hello-world");',
        'eq(slugify("Crème Brûlée"), "creme-brulee");',
        'eq(slugify("Q3 -- Revenue / Forecast"), "q3-revenue-forecast");',
        'eq(slugify("---"), "");',
    ],
)

P(
    "parseDuration",
    "job scheduler",
    """
Write `parseDuration(input: string): number` that converts strings like "1h30m", "45s" or "2h0m5s" to a
number of seconds. Units are `h`, `m`, `s`, each optional but in that order, values are non-negative
integers, no spaces. Throw an `Error` for anything else, including the empty string and "30m1h".
""",
    """
export function parseDuration(input: string): number {
  const match = /^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$/.exec(input);
  if (input === "" || match === null) {
    throw new Error(`invalid duration: "${input}"`);
  }
  const [, hours = "0", minutes = "0", seconds = "0"] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}
""",
    [
        """
export function parseDuration(input: string): number {
  const match = /^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$/.exec(input);
  if (match === null) throw new Error(`invalid duration: "${input}"`);
  const [, hours = "0", minutes = "0", seconds = "0"] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}
""",
        """
export function parseDuration(input: string): number {
  let total = 0;
  for (const [, amount, unit] of input.matchAll(/(\\d+)([hms])/g)) {
    total += Number(amount) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1);
  }
  return total;
}
""",
    ],
    [
        'eq(parseDuration("1h30m"), 5400);',
        'eq(parseDuration("45s"), 45);',
        'eq(parseDuration("2h0m5s"), 7205);',
        'throws(() => parseDuration(""));',
        'throws(() => parseDuration("5x"));',
        'throws(() => parseDuration("30m1h"));',
    ],
)

P(
    "formatBytes",
    "storage dashboard",
    """
Write `formatBytes(bytes: number, decimals = 1): string` using binary units B, KB, MB, GB, TB (1 KB =
1024 B). Values below 1024 are shown as an integer with "B" ("512 B"); larger values use the largest
unit that keeps the number >= 1 (capped at TB) with `decimals` fraction digits ("1.5 KB", "1.00 MB").
Throw a `RangeError` for negative or non-finite input.
""",
    """
const UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

export function formatBytes(bytes: number, decimals = 1): string {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new RangeError(`invalid byte count: ${bytes}`);
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(decimals)} ${UNITS[unit]}`;
}
""",
    [
        """
const UNITS = ["B", "KB", "MB", "GB", "TB"];

export function formatBytes(bytes: number, decimals = 1): string {
  if (bytes < 0) throw new RangeError("negative");
  let value = bytes;
  let unit = 0;
  while (value > 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(decimals)} ${UNITS[unit]}`;
}
""",
        """
const UNITS = ["B", "KB", "MB", "GB", "TB"];

export function formatBytes(bytes: number, decimals = 1): string {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`invalid byte count: ${bytes}`);
  const unit = bytes === 0 ? 0 : Math.min(Math.floor(Math.log10(bytes) / 3), UNITS.length - 1);
  const value = bytes / 1000 ** unit;
  return unit === 0 ? `${value} B` : `${value.toFixed(decimals)} ${UNITS[unit]}`;
}
""",
    ],
    [
        'eq(formatBytes(512), "512 B");',
        'eq(formatBytes(1536), "1.5 KB");',
        'eq(formatBytes(1024), "1.0 KB");',
        'eq(formatBytes(1048576, 2), "1.00 MB");',
        'eq(formatBytes(1024 ** 5), "1024.0 TB");',
        "throws(() => formatBytes(-1));",
    ],
)

P(
    "groupBy",
    "reporting",
    """
Write `groupBy<T, K extends PropertyKey>(items: readonly T[], keyOf: (item: T) => K): Record<K, T[]>`.
Each key maps to the items that produced it, in input order; keys appear in order of first occurrence.
An empty input gives `{}`. Do not use `Object.groupBy` (our runtime does not have it yet).
""",
    """
export function groupBy<T, K extends PropertyKey>(items: readonly T[], keyOf: (item: T) => K): Record<K, T[]> {
  const groups = {} as Record<K, T[]>;
  for (const item of items) {
    const key = keyOf(item);
    (groups[key] ??= []).push(item);
  }
  return groups;
}
""",
    [
        """
export function groupBy<T, K extends PropertyKey>(items: readonly T[], keyOf: (item: T) => K): Record<K, T[]> {
  const groups = {} as Record<K, T[]>;
  for (const item of items) {
    const key = keyOf(item);
    groups[key] = groups[key] || [];
    groups[key].concat(item);
  }
  return groups;
}
""",
        """
export function groupBy<T, K extends PropertyKey>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}
""",
    ],
    [
        'eq(groupBy([1, 2, 3, 4, 5], (n) => (n % 2 === 0 ? "even" : "odd")), { odd: [1, 3, 5], even: [2, 4] });',
        "eq(groupBy([] as number[], (n) => n), {});",
        'eq(groupBy(["apple", "avocado", "banana"], (s) => s[0]).a, ["apple", "avocado"]);',
    ],
)

P(
    "debounce",
    "search box",
    """
Write `debounce(fn, waitMs)` for our search-as-you-type box. The returned function delays calling `fn`
until `waitMs` ms have passed since its last call, then calls `fn` once with the arguments of that last
call. It must keep `fn`'s parameter types and have a `cancel()` method that drops a pending call.
Export the function type as `Debounced<A extends unknown[]>`.
""",
    """
export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  cancel(): void;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const debounced = (...args: A): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, waitMs);
  };
  return Object.assign(debounced, {
    cancel(): void {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  });
}
""",
    [
        """
export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  cancel(): void;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const debounced = (...args: A): void => {
    timer = setTimeout(() => fn(...args), waitMs);
  };
  return Object.assign(debounced, {
    cancel(): void {
      if (timer !== undefined) clearTimeout(timer);
    },
  });
}
""",
        """
export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => fn(...args), waitMs);
  };
}
""",
    ],
    [
        "const calls: number[] = [];",
        "const d = debounce((n: number) => { calls.push(n); }, 20);",
        "d(1); d(2); d(3);",
        "await sleepMs(80);",
        "eq(calls, [3]);",
        "d(4); d.cancel();",
        "await sleepMs(50);",
        "eq(calls, [3]);",
    ],
)

P(
    "retry",
    "payments client",
    """
Write `retry<T>(fn: (attempt: number) => Promise<T>, attempts: number, delayMs = 0): Promise<T>`.
Call `fn` (with the 1-based attempt number) until it resolves, at most `attempts` times in total. Wait
`delayMs * 2 ** (attempt - 1)` ms between attempts, never after the last one. If every attempt fails,
reject with the error of the last attempt. Reject with a `RangeError` when `attempts` is not a positive
integer.
""",
    """
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  attempts: number,
  delayMs = 0,
): Promise<T> {
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      lastError = err;
      if (attempt < attempts && delayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (attempt - 1)));
      }
    }
  }
  throw lastError;
}
""",
    [
        """
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  attempts: number,
  delayMs = 0,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt < attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (attempt - 1)));
    }
  }
  throw lastError;
}
""",
        """
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  attempts: number,
  delayMs = 0,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return fn(attempt);
    } catch (err) {
      lastError = err;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, delayMs * 2 ** (attempt - 1)));
    }
  }
  throw lastError;
}
""",
    ],
    [
        "let n = 0;",
        'eq(await retry(async () => { n++; if (n < 3) throw new Error("boom " + n); return "ok"; }, 3), "ok");',
        "eq(n, 3);",
        "let m = 0;",
        'await rejects(() => retry(async () => { m++; throw new Error("fail " + m); }, 2, 1), "fail 2");',
        "eq(m, 2);",
        'await rejects(() => retry(async () => 1, 0), "attempts");',
    ],
)

P(
    "isValidIsoDate",
    "form validation",
    """
Write `isValidIsoDate(value: string): boolean` that accepts exactly `YYYY-MM-DD` strings naming a real
calendar date (leap years included: 2024-02-29 is valid, 2023-02-29 is not). No time part, no other
formats, no surrounding whitespace.
""",
    """
export function isValidIsoDate(value: string): boolean {
  const match = /^(\\d{4})-(\\d{2})-(\\d{2})$/.exec(value);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const isLeap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= daysInMonth;
}
""",
    [
        """
export function isValidIsoDate(value: string): boolean {
  const match = /^(\\d{4})-(\\d{2})-(\\d{2})$/.exec(value);
  if (match === null) return false;
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}
""",
        """
export function isValidIsoDate(value: string): boolean {
  return /^\\d{4}-\\d{2}-\\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
}
""",
    ],
    [
        'eq(isValidIsoDate("2024-02-29"), true);',
        'eq(isValidIsoDate("2023-02-29"), false);',
        'eq(isValidIsoDate("2024-13-01"), false);',
        'eq(isValidIsoDate("2024-04-31"), false);',
        'eq(isValidIsoDate("2000-02-29"), true);',
        'eq(isValidIsoDate("1900-02-29"), false);',
        'eq(isValidIsoDate("24-01-01"), false);',
    ],
)

P(
    "isValidLuhn",
    "checkout",
    """
Write `isValidLuhn(cardNumber: string): boolean` that validates a payment card number with the Luhn
checksum. Spaces and hyphens between digits are allowed and ignored; after removing them the number
must have 12 to 19 digits and nothing else.
""",
    """
export function isValidLuhn(cardNumber: string): boolean {
  const digits = cardNumber.replace(/[\\s-]/g, "");
  if (!/^\\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
""",
    [
        """
export function isValidLuhn(cardNumber: string): boolean {
  const digits = cardNumber.replace(/[\\s-]/g, "");
  if (!/^\\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
""",
        """
export function isValidLuhn(cardNumber: string): boolean {
  const digits = cardNumber.replace(/[\\s-]/g, "");
  if (!/^\\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[digits.length - 1 - i]);
    sum += i % 2 === 1 ? digit * 2 : digit;
  }
  return sum % 10 === 0;
}
""",
    ],
    [
        'eq(isValidLuhn("4539 1488 0343 6467"), true);',
        'eq(isValidLuhn("4539 1488 0343 6468"), false);',
        'eq(isValidLuhn("4111-1111-1111-1111"), true);',
        'eq(isValidLuhn("1234"), false);',
        'eq(isValidLuhn("4111 1111 1111 111a"), false);',
    ],
)

P(
    "toKebabCase",
    "design tokens",
    """
Write `toKebabCase(input: string): string` converting camelCase, PascalCase, snake_case and space
separated words to kebab-case: "backgroundColor" -> "background-color", "XMLHttpRequest" ->
"xml-http-request" (a run of capitals is one word), "snake_case_value" -> "snake-case-value",
"  Title Case Words " -> "title-case-words". Already-kebab input is returned unchanged.
""",
    """
export function toKebabCase(input: string): string {
  return input
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/[\\s_]+/g, "-")
    .replace(/-+/g, "-")
    .toLowerCase();
}
""",
    [
        """
export function toKebabCase(input: string): string {
  return input
    .trim()
    .replace(/[\\s_]+/g, "-")
    .replace(/([A-Z])/g, "-$1")
    .toLowerCase();
}
""",
        """
export function toKebabCase(input: string): string {
  return input
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/[\\s_]+/g, "-")
    .toLowerCase();
}
""",
    ],
    [
        'eq(toKebabCase("backgroundColor"), "background-color");',
        'eq(toKebabCase("XMLHttpRequest"), "xml-http-request");',
        'eq(toKebabCase("snake_case_value"), "snake-case-value");',
        'eq(toKebabCase("  Title Case Words "), "title-case-words");',
        'eq(toKebabCase("already-kebab"), "already-kebab");',
    ],
)

P(
    "deepEqual",
    "config sync",
    """
Write `deepEqual(a: Json, b: Json): boolean` for JSON values, and export the type
`Json = null | boolean | number | string | Json[] | { [key: string]: Json }`. Objects are equal when they
have the same keys (in any order) with deeply equal values; arrays when they have the same length and
deeply equal items in the same order. An array never equals an object.
""",
    """
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && deepEqual(a[key], b[key]));
}
""",
    [
        """
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
""",
        """
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const objA = a as { [key: string]: Json };
  const objB = b as { [key: string]: Json };
  return Object.keys(objA).every((key) => deepEqual(objA[key], objB[key]));
}
""",
    ],
    [
        "eq(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), true);",
        "eq(deepEqual({ x: 1, y: 2 }, { y: 2, x: 1 }), true);",
        "eq(deepEqual({ a: 1 }, { a: 1, b: 2 }), false);",
        'eq(deepEqual([1, 2], { "0": 1, "1": 2 }), false);',
        "eq(deepEqual([1, 2], [2, 1]), false);",
    ],
)

P(
    "uniqueBy",
    "CRM import",
    """
Write `uniqueBy<T>(items: readonly T[], keyOf: (item: T) => unknown): T[]` that removes items whose key
(compared with SameValueZero, like a `Set`) was already seen. Keep the FIRST item for each key and
preserve input order.
""",
    """
export function uniqueBy<T>(items: readonly T[], keyOf: (item: T) => unknown): T[] {
  const seen = new Set<unknown>();
  const out: T[] = [];
  for (const item of items) {
    const key = keyOf(item);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(item);
    }
  }
  return out;
}
""",
    [
        """
export function uniqueBy<T>(items: readonly T[], keyOf: (item: T) => unknown): T[] {
  return [...new Map(items.map((item) => [keyOf(item), item] as const)).values()];
}
""",
        """
export function uniqueBy<T>(items: readonly T[], keyOf: (item: T) => unknown): T[] {
  return items.filter((item, index) => items.findIndex((other) => other === item) === index);
}
""",
    ],
    [
        'eq(uniqueBy([{ id: 1, v: "a" }, { id: 2, v: "b" }, { id: 1, v: "c" }], (x) => x.id), [{ id: 1, v: "a" }, { id: 2, v: "b" }]);',
        'eq(uniqueBy(["Ann@x.io", "ann@x.io", "bob@x.io"], (e) => e.toLowerCase()), ["Ann@x.io", "bob@x.io"]);',
        "eq(uniqueBy([] as number[], (n) => n), []);",
    ],
)

P(
    "parseQuery",
    "analytics",
    """
Write `parseQuery(query: string): Record<string, string | string[]>` for URL query strings, with or
without the leading "?". Keys and values are percent-decoded and "+" means a space. A key without "="
gets "". A key that appears more than once maps to an array of its values in order. Only the first "="
of a pair separates key and value ("token=abc==" -> "abc=="). Empty pairs ("a=1&&b=2") are skipped.
""",
    """
export function parseQuery(query: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  const body = query.startsWith("?") ? query.slice(1) : query;
  for (const pair of body.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    const key = decodeURIComponent(rawKey.replace(/\\+/g, " "));
    const value = decodeURIComponent(rawValue.replace(/\\+/g, " "));
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing, value];
  }
  return result;
}
""",
    [
        """
export function parseQuery(query: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const pair of query.replace(/^\\?/, "").split("&")) {
    if (pair === "") continue;
    const [rawKey, rawValue = ""] = pair.split("=");
    const key = decodeURIComponent(rawKey.replace(/\\+/g, " "));
    const value = decodeURIComponent(rawValue.replace(/\\+/g, " "));
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing, value];
  }
  return result;
}
""",
        """
export function parseQuery(query: string): Record<string, string | string[]> {
  const result: Record<string, string> = {};
  new URLSearchParams(query).forEach((value, key) => {
    result[key] = value;
  });
  return result;
}
""",
    ],
    [
        'eq(parseQuery("?a=1&b=two+words&a=3"), { a: ["1", "3"], b: "two words" });',
        'eq(parseQuery("q=caf%C3%A9&flag"), { q: "café", flag: "" });',
        'eq(parseQuery("token=abc=="), { token: "abc==" });',
        'eq(parseQuery(""), {});',
    ],
)

P(
    "median",
    "metrics",
    """
Write `median(values: readonly number[]): number | undefined`. Odd count: the middle value; even count:
the mean of the two middle values; empty input: `undefined`. Sort numerically and do not mutate the
input array.
""",
    """
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
""",
    [
        """
export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = values.sort();
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
""",
        """
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
""",
    ],
    [
        "eq(median([3, 1, 2]), 2);",
        "eq(median([10, 2, 3, 4]), 3.5);",
        "eq(median([]), undefined);",
        "const xs = [3, 1, 2]; median(xs); eq(xs, [3, 1, 2]);",
    ],
)

P(
    "percentile",
    "SLO reports",
    """
Write `percentile(values: readonly number[], p: number): number` using the nearest-rank method: sort
ascending, rank = ceil(p / 100 * n), return the value at that 1-based rank. `p` must be in (0, 100];
throw a `RangeError` for an empty array or an out-of-range `p`.
""",
    """
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("values must not be empty");
  if (!(p > 0 && p <= 100)) throw new RangeError(`p must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1];
}
""",
    [
        """
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("values must not be empty");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.floor((p / 100) * sorted.length) - 1)];
}
""",
        """
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("values must not be empty");
  if (!(p > 0 && p <= 100)) throw new RangeError(`p must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.round((p / 100) * (sorted.length - 1))];
}
""",
    ],
    [
        "const data = [40, 15, 50, 35, 20];",
        "eq(percentile(data, 5), 15);",
        "eq(percentile(data, 30), 20);",
        "eq(percentile(data, 40), 20);",
        "eq(percentile(data, 50), 35);",
        "eq(percentile(data, 100), 50);",
        "throws(() => percentile(data, 0));",
    ],
)

P(
    "mergeDefaults",
    "service config",
    """
Write `mergeDefaults<T extends object>(defaults: T, overrides: DeepPartial<T>): T` and export
`DeepPartial<T>`. Nested plain objects merge recursively; arrays and primitives in `overrides` replace
the default; keys whose override is `undefined` keep the default. Neither argument may be mutated.
""",
    """
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function mergeDefaults<T extends object>(defaults: T, overrides: DeepPartial<T>): T {
  const result: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides as Record<string, unknown>)) {
    if (value === undefined) continue;
    const base = result[key];
    result[key] = isPlainObject(base) && isPlainObject(value) ? mergeDefaults(base, value) : value;
  }
  return result as T;
}
""",
    [
        """
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K];
};

export function mergeDefaults<T extends object>(defaults: T, overrides: DeepPartial<T>): T {
  return { ...defaults, ...overrides } as T;
}
""",
        """
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

export function mergeDefaults<T extends object>(defaults: T, overrides: DeepPartial<T>): T {
  const target = defaults as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides as Record<string, unknown>)) {
    if (value === undefined) continue;
    const base = target[key];
    if (typeof base === "object" && base !== null && !Array.isArray(base) && typeof value === "object" && value !== null && !Array.isArray(value)) {
      mergeDefaults(base, value);
    } else {
      target[key] = value;
    }
  }
  return defaults;
}
""",
    ],
    [
        'const d = { retries: 2, http: { timeoutMs: 1000, headers: { accept: "json" } }, tags: ["a"] };',
        'eq(mergeDefaults(d, { http: { timeoutMs: 5000 } }), { retries: 2, http: { timeoutMs: 5000, headers: { accept: "json" } }, tags: ["a"] });',
        'eq(mergeDefaults(d, { tags: ["b"], retries: undefined }), { retries: 2, http: { timeoutMs: 1000, headers: { accept: "json" } }, tags: ["b"] });',
        "eq(d.http.timeoutMs, 1000);",
    ],
)

P(
    "area",
    "floor planner",
    """
Export a discriminated union `Shape` with `{ kind: "circle"; radius: number }`,
`{ kind: "rectangle"; width: number; height: number }` and `{ kind: "triangle"; base: number; height:
number }`, and write `area(shape: Shape): number`. The switch must be exhaustive so that adding a new
shape kind is a compile error (use a `never` check).
""",
    """
export type Shape =
  | { kind: "circle"; radius: number }
  | { kind: "rectangle"; width: number; height: number }
  | { kind: "triangle"; base: number; height: number };

export function area(shape: Shape): number {
  switch (shape.kind) {
    case "circle":
      return Math.PI * shape.radius ** 2;
    case "rectangle":
      return shape.width * shape.height;
    case "triangle":
      return (shape.base * shape.height) / 2;
    default: {
      const unreachable: never = shape;
      throw new Error(`unknown shape: ${JSON.stringify(unreachable)}`);
    }
  }
}
""",
    [
        """
export type Shape =
  | { kind: "circle"; radius: number }
  | { kind: "rectangle"; width: number; height: number }
  | { kind: "triangle"; base: number; height: number };

export function area(shape: Shape): number {
  switch (shape.kind) {
    case "circle":
      return Math.PI * shape.radius ** 2;
    case "rectangle":
      return shape.width * shape.height;
    default:
      return shape.base * shape.height;
  }
}
""",
        """
export type Shape =
  | { kind: "circle"; radius: number }
  | { kind: "rectangle"; width: number; height: number }
  | { kind: "triangle"; base: number; height: number };

export function area(shape: Shape): number {
  switch (shape.kind) {
    case "circle":
      return 2 * Math.PI * shape.radius;
    case "rectangle":
      return shape.width * shape.height;
    case "triangle":
      return (shape.base * shape.height) / 2;
  }
}
""",
    ],
    [
        'eq(area({ kind: "rectangle", width: 3, height: 4 }), 12);',
        'eq(area({ kind: "triangle", base: 10, height: 3 }), 15);',
        'eq(Math.round(area({ kind: "circle", radius: 3 }) * 1000) / 1000, 28.274);',
    ],
)

P(
    "safeJsonParse",
    "webhook ingestion",
    """
Export `Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E }` and write
`safeJsonParse<T = unknown>(text: string): Result<T>` that never throws: valid JSON (including `null`,
`0` and `""` literals) gives `{ ok: true, value }`, invalid JSON gives `{ ok: false, error }` where
`error` is the parser's message as a string.
""",
    """
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export function safeJsonParse<T = unknown>(text: string): Result<T> {
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
""",
    [
        """
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export function safeJsonParse<T = unknown>(text: string): Result<T, unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (err) {
    return { ok: false, error: err };
  }
}
""",
        """
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export function safeJsonParse<T = unknown>(text: string): Result<T> {
  try {
    const value = JSON.parse(text);
    return value ? { ok: true, value } : { ok: false, error: "empty document" };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
}
""",
    ],
    [
        "eq(safeJsonParse('{\"a\":1}'), { ok: true, value: { a: 1 } });",
        'eq(safeJsonParse("null"), { ok: true, value: null });',
        'const r = safeJsonParse("{oops"); eq(r.ok, false); eq(typeof (r as { error: unknown }).error, "string");',
    ],
)

P(
    "LruCache",
    "pricing service",
    """
Write a generic class `LruCache<K, V>` with `constructor(capacity: number)` (RangeError unless a
positive integer), `get(key): V | undefined` (a hit makes the key most recently used), `set(key, value):
this` (inserting beyond capacity evicts the least recently used key; updating an existing key never
evicts another) and a `size` getter. Use a `Map`; O(1) per operation.
""",
    """
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
    }
    return this;
  }
}
""",
    [
        """
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): this {
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value as K);
    }
    return this;
  }
}
""",
        """
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): this {
    if (this.entries.size >= this.capacity) {
      this.entries.delete(this.entries.keys().next().value as K);
    }
    this.entries.set(key, value);
    return this;
  }
}
""",
    ],
    [
        "const c = new LruCache<string, number>(2);",
        'c.set("a", 1); c.set("b", 2);',
        'eq(c.get("a"), 1);',
        'c.set("c", 3);',
        'eq(c.get("b"), undefined);',
        'eq(c.get("a"), 1);',
        "eq(c.size, 2);",
        "const c2 = new LruCache<string, number>(2);",
        'c2.set("x", 1); c2.set("y", 2); c2.set("x", 10);',
        'eq(c2.get("y"), 2);',
        "throws(() => new LruCache<string, number>(0));",
    ],
)

P(
    "truncate",
    "notification service",
    """
Write `truncate(text: string, maxLength: number, ellipsis = "…"): string` for push-notification
previews. Text of at most `maxLength` characters is returned unchanged. Longer text is cut so that the
result INCLUDING the ellipsis has at most `maxLength` characters, with trailing whitespace removed before
the ellipsis is appended. Throw a `RangeError` if `maxLength` is shorter than the ellipsis.
""",
    """
export function truncate(text: string, maxLength: number, ellipsis = "…"): string {
  if (maxLength < ellipsis.length) {
    throw new RangeError(`maxLength (${maxLength}) is shorter than the ellipsis`);
  }
  if (text.length <= maxLength) return text;
  return text.slice(0, maxLength - ellipsis.length).trimEnd() + ellipsis;
}
""",
    [
        """
export function truncate(text: string, maxLength: number, ellipsis = "…"): string {
  if (text.length <= maxLength) return text;
  return text.slice(0, maxLength).trimEnd() + ellipsis;
}
""",
        """
export function truncate(text: string, maxLength: number, ellipsis = "…"): string {
  if (maxLength < ellipsis.length) throw new RangeError("maxLength too small");
  if (text.length < maxLength) return text;
  return text.slice(0, maxLength - ellipsis.length).trimEnd() + ellipsis;
}
""",
    ],
    [
        'eq(truncate("Hello world", 20), "Hello world");',
        'eq(truncate("Hello world", 8), "Hello w…");',
        'eq(truncate("Hello world", 7), "Hello…");',
        'eq(truncate("Hello world", 7, "..."), "Hell...");',
        'eq(truncate("abcde", 5), "abcde");',
    ],
)

P(
    "formatCents",
    "billing UI",
    """
Write `formatCents(amountMinor: number, currency: "USD" | "EUR" | "GBP" | "JPY"): string` that formats an
integer amount in minor units with `Intl.NumberFormat("en-US", { style: "currency" })`. USD, EUR and GBP
have 2 decimals (123456 -> "$1,234.56"); JPY has no minor unit (1500 -> "¥1,500"). Throw a `RangeError`
for non-integer input.
""",
    """
const MINOR_DIGITS = { USD: 2, EUR: 2, GBP: 2, JPY: 0 } as const;

export function formatCents(amountMinor: number, currency: "USD" | "EUR" | "GBP" | "JPY"): string {
  if (!Number.isInteger(amountMinor)) {
    throw new RangeError(`amountMinor must be an integer, got ${amountMinor}`);
  }
  const digits = MINOR_DIGITS[currency];
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(amountMinor / 10 ** digits);
}
""",
    [
        """
export function formatCents(amountMinor: number, currency: "USD" | "EUR" | "GBP" | "JPY"): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amountMinor / 100);
}
""",
        """
const SYMBOLS = { USD: "$", EUR: "€", GBP: "£", JPY: "¥" } as const;

export function formatCents(amountMinor: number, currency: "USD" | "EUR" | "GBP" | "JPY"): string {
  return `${SYMBOLS[currency]}${(amountMinor / 100).toFixed(2)}`;
}
""",
    ],
    [
        'eq(formatCents(123456, "USD"), "$1,234.56");',
        'eq(formatCents(-500, "EUR"), "-€5.00");',
        'eq(formatCents(1500, "JPY"), "¥1,500");',
        'eq(formatCents(5, "GBP"), "£0.05");',
        'throws(() => formatCents(1.5, "USD"));',
    ],
)

P(
    "addBusinessDays",
    "SLA timers",
    """
Write `addBusinessDays(start: Date, days: number): Date` returning a NEW Date that is `days` business
days (Monday-Friday, computed in UTC) after `start`, keeping the time of day. `days = 0` returns a copy.
A Friday plus one business day is the following Monday. Throw a `RangeError` for negative or
non-integer `days`. Holidays are out of scope.
""",
    """
export function addBusinessDays(start: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 0) {
    throw new RangeError(`days must be a non-negative integer, got ${days}`);
  }
  const result = new Date(start.getTime());
  let remaining = days;
  while (remaining > 0) {
    result.setUTCDate(result.getUTCDate() + 1);
    const weekday = result.getUTCDay();
    if (weekday !== 0 && weekday !== 6) remaining -= 1;
  }
  return result;
}
""",
    [
        """
export function addBusinessDays(start: Date, days: number): Date {
  const result = new Date(start.getTime());
  result.setUTCDate(result.getUTCDate() + days);
  const weekday = result.getUTCDay();
  if (weekday === 6) result.setUTCDate(result.getUTCDate() + 2);
  if (weekday === 0) result.setUTCDate(result.getUTCDate() + 1);
  return result;
}
""",
        """
export function addBusinessDays(start: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError("days must be >= 0");
  let remaining = days;
  while (remaining > 0) {
    start.setUTCDate(start.getUTCDate() + 1);
    const weekday = start.getUTCDay();
    if (weekday !== 0 && weekday !== 6) remaining -= 1;
  }
  return start;
}
""",
    ],
    [
        'const fri = new Date("2026-11-27T09:30:00Z");',
        'eq(addBusinessDays(fri, 1).toISOString(), "2026-11-30T09:30:00.000Z");',
        'eq(addBusinessDays(fri, 5).toISOString(), "2026-12-04T09:30:00.000Z");',
        'eq(addBusinessDays(fri, 0).toISOString(), "2026-11-27T09:30:00.000Z");',
        'eq(fri.toISOString(), "2026-11-27T09:30:00.000Z");',
        "throws(() => addBusinessDays(fri, -1));",
    ],
)

P(
    "range",
    "charts",
    """
Write `range(start: number, end?: number, step = 1): number[]` like Python's `range`: `range(4)` is
[0, 1, 2, 3]; `range(2, 8, 3)` is [2, 5]; negative steps count down (`range(5, 0, -2)` is [5, 3, 1]);
`end` is exclusive. Throw a `RangeError` when `step` is 0.
""",
    """
export function range(start: number, end?: number, step = 1): number[] {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new RangeError("step must not be 0");
  const out: number[] = [];
  if (step > 0) {
    for (let i = start; i < end; i += step) out.push(i);
  } else {
    for (let i = start; i > end; i += step) out.push(i);
  }
  return out;
}
""",
    [
        """
export function range(start: number, end?: number, step = 1): number[] {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new RangeError("step must not be 0");
  const out: number[] = [];
  if (step > 0) {
    for (let i = start; i <= end; i += step) out.push(i);
  } else {
    for (let i = start; i >= end; i += step) out.push(i);
  }
  return out;
}
""",
        """
export function range(start: number, end?: number, step = 1): number[] {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new RangeError("step must not be 0");
  const out: number[] = [];
  for (let i = start; i < end; i += step) out.push(i);
  return out;
}
""",
    ],
    [
        "eq(range(4), [0, 1, 2, 3]);",
        "eq(range(2, 8, 3), [2, 5]);",
        "eq(range(5, 0, -2), [5, 3, 1]);",
        "eq(range(3, 3), []);",
        "throws(() => range(0, 5, 0));",
    ],
)

P(
    "pick",
    "API serializers",
    """
Write `pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K>` returning a
new object with only the listed keys. Keys that are not own properties of `source` are left out
entirely (not set to `undefined`).
""",
    """
export function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) {
    if (Object.prototype.hasOwnProperty.call(source, key)) {
      out[key] = source[key];
    }
  }
  return out;
}
""",
    [
        """
export function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  return keys.reduce((acc, key) => ({ ...acc, [key]: source[key] }), {} as Pick<T, K>);
}
""",
        """
export function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(Object.entries(source).filter(([key]) => key in keys)) as Pick<T, K>;
}
""",
    ],
    [
        'eq(pick({ id: 1, name: "Ada", password: "x" }, ["id", "name"]), { id: 1, name: "Ada" });',
        "const partial: { a?: number; b: number } = { b: 2 };",
        'eq(Object.keys(pick(partial, ["a", "b"])), ["b"]);',
    ],
)

P(
    "omit",
    "API serializers",
    """
Write `omit<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Omit<T, K>` returning a
shallow copy of `source` without the listed keys. The input object must not be modified.
""",
    """
export function omit<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Omit<T, K> {
  const excluded = new Set<PropertyKey>(keys);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (!excluded.has(key)) out[key] = value;
  }
  return out as Omit<T, K>;
}
""",
    [
        """
export function omit<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Omit<T, K> {
  for (const key of keys) delete (source as Record<PropertyKey, unknown>)[key];
  return source;
}
""",
        """
export function omit<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Omit<T, K> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (!(key in keys)) out[key] = value;
  }
  return out as Omit<T, K>;
}
""",
    ],
    [
        'const user = { id: 7, email: "a@b.co", passwordHash: "xyz" };',
        'eq(omit(user, ["passwordHash"]), { id: 7, email: "a@b.co" });',
        'eq(user.passwordHash, "xyz");',
        'eq(omit(user, []), { id: 7, email: "a@b.co", passwordHash: "xyz" });',
    ],
)

P(
    "flattenDeep",
    "menu builder",
    """
Export `NestedArray<T> = Array<T | NestedArray<T>>` and write `flattenDeep<T>(items: NestedArray<T>): T[]`
that flattens arrays nested to any depth, preserving order. Empty nested arrays contribute nothing.
Do not use `Array.prototype.flat`.
""",
    """
export type NestedArray<T> = Array<T | NestedArray<T>>;

export function flattenDeep<T>(items: NestedArray<T>): T[] {
  const out: T[] = [];
  const visit = (list: NestedArray<T>): void => {
    for (const item of list) {
      if (Array.isArray(item)) visit(item as NestedArray<T>);
      else out.push(item);
    }
  };
  visit(items);
  return out;
}
""",
    [
        """
export type NestedArray<T> = Array<T | NestedArray<T>>;

export function flattenDeep<T>(items: NestedArray<T>): T[] {
  return ([] as T[]).concat(...(items as T[]));
}
""",
        """
export type NestedArray<T> = Array<T | NestedArray<T>>;

export function flattenDeep<T>(items: NestedArray<T>): T[] {
  return JSON.parse("[" + JSON.stringify(items).replace(/[\\[\\]]/g, "") + "]") as T[];
}
""",
    ],
    [
        "eq(flattenDeep([1, [2, [3, [4]], 5]]), [1, 2, 3, 4, 5]);",
        "eq(flattenDeep([[], 1, [[]], 2]), [1, 2]);",
        'eq(flattenDeep([[["a"]], "b"]), ["a", "b"]);',
    ],
)

P(
    "maskEmail",
    "support console",
    """
Write `maskEmail(email: string): string` for showing customer emails to support agents. Keep the first
and last character of the local part and replace every character in between with `*`; keep the domain
as is ("john.doe@example.com" -> "j******e@example.com"). Local parts of 1 or 2 characters become the
first character plus one `*` ("al@x.io" -> "a*@x.io"). Throw an `Error` if there is no "@" or the
local part or domain is empty.
""",
    """
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) {
    throw new Error(`not an email address: ${email}`);
  }
  const local = email.slice(0, at);
  const domain = email.slice(at);
  if (local.length <= 2) return `${local[0]}*${domain}`;
  return `${local[0]}${"*".repeat(local.length - 2)}${local[local.length - 1]}${domain}`;
}
""",
    [
        """
export function maskEmail(email: string): string {
  const [local, domain] = email.split("@");
  if (!local || !domain) throw new Error("not an email address");
  return `${local[0]}${"*".repeat(local.length - 2)}${local[local.length - 1]}@${domain}`;
}
""",
        """
export function maskEmail(email: string): string {
  const at = email.indexOf("@");
  if (at <= 0 || at === email.length - 1) throw new Error("not an email address");
  const local = email.slice(0, at);
  return `${local[0]}${"*".repeat(local.length - 1)}${email.slice(at)}`;
}
""",
    ],
    [
        'eq(maskEmail("john.doe@example.com"), "j******e@example.com");',
        'eq(maskEmail("al@x.io"), "a*@x.io");',
        'eq(maskEmail("a@x.io"), "a*@x.io");',
        'throws(() => maskEmail("nobody"));',
        'throws(() => maskEmail("@x.io"));',
    ],
)

P(
    "compareSemver",
    "release tooling",
    """
Write `compareSemver(a: string, b: string): -1 | 0 | 1` for versions of the form MAJOR.MINOR.PATCH with
an optional leading "v" (no pre-release or build parts). Compare numerically part by part: "1.10.0" is
newer than "1.9.3". Throw an `Error` for any other format (e.g. "1.2").
""",
    """
export function compareSemver(a: string, b: string): -1 | 0 | 1 {
  const parse = (version: string): number[] => {
    const match = /^v?(\\d+)\\.(\\d+)\\.(\\d+)$/.exec(version.trim());
    if (match === null) throw new Error(`invalid version: ${version}`);
    return match.slice(1).map(Number);
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) {
    if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}
""",
    [
        """
export function compareSemver(a: string, b: string): -1 | 0 | 1 {
  const clean = (v: string): string => v.trim().replace(/^v/, "");
  const x = clean(a);
  const y = clean(b);
  return x === y ? 0 : x < y ? -1 : 1;
}
""",
        """
export function compareSemver(a: string, b: string): -1 | 0 | 1 {
  const toNumber = (version: string): number => {
    const match = /^v?(\\d+)\\.(\\d+)\\.(\\d+)$/.exec(version.trim());
    if (match === null) throw new Error(`invalid version: ${version}`);
    return Number(match.slice(1).join(""));
  };
  return Math.sign(toNumber(a) - toNumber(b)) as -1 | 0 | 1;
}
""",
    ],
    [
        'eq(compareSemver("1.10.0", "1.9.3"), 1);',
        'eq(compareSemver("v2.0.0", "2.0.0"), 0);',
        'eq(compareSemver("0.9.12", "0.10.0"), -1);',
        'throws(() => compareSemver("1.2", "1.2.0"));',
    ],
)

P(
    "parseCsvLine",
    "bank statement import",
    """
Write `parseCsvLine(line: string, delimiter = ","): string[]` for one line of RFC 4180 CSV. Fields may
be wrapped in double quotes, in which case they may contain the delimiter, and a doubled quote `""`
stands for one literal quote. Quotes are removed from the output. An empty line is one empty field.
Throw an `Error` for an unterminated quoted field.
""",
    """
export function parseCsvLine(line: string, delimiter = ","): string[] {
  const fields: string[] = [];
  let field = "";
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inQuotes) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        inQuotes = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === delimiter) {
      fields.push(field);
      field = "";
    } else {
      field += ch;
    }
  }
  if (inQuotes) throw new Error("unterminated quoted field");
  fields.push(field);
  return fields;
}
""",
    [
        """
export function parseCsvLine(line: string, delimiter = ","): string[] {
  return line.split(delimiter).map((field) => field.replace(/^"|"$/g, "").replace(/""/g, '"'));
}
""",
        """
export function parseCsvLine(line: string, delimiter = ","): string[] {
  const fields: string[] = [];
  let field = "";
  let inQuotes = false;
  for (const ch of line) {
    if (ch === '"') {
      inQuotes = !inQuotes;
    } else if (ch === delimiter && !inQuotes) {
      fields.push(field);
      field = "";
    } else {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}
""",
    ],
    [
        'eq(parseCsvLine("a,b,c"), ["a", "b", "c"]);',
        'eq(parseCsvLine(\'"Smith, John",42,"said ""hi"""\'), ["Smith, John", "42", \'said "hi"\']);',
        'eq(parseCsvLine(""), [""]);',
        'eq(parseCsvLine(\'x;"y;z"\', ";"), ["x", "y;z"]);',
        "throws(() => parseCsvLine('\"open,1'));",
    ],
)

P(
    "TokenBucket",
    "API gateway",
    """
Write a class `TokenBucket` with `constructor(capacity: number, refillPerSecond: number, now: () =>
number = Date.now)` (time in ms) and `tryRemove(count = 1): boolean`. The bucket starts full, refills
continuously at `refillPerSecond` tokens per second up to `capacity`, and `tryRemove` takes `count`
tokens and returns true only if that many are available (otherwise it takes nothing). Throw a
`RangeError` for a non-positive capacity or negative refill rate. Fractional tokens are allowed.
""",
    """
export class TokenBucket {
  private tokens: number;
  private lastRefill: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(capacity > 0) || !(refillPerSecond >= 0)) {
      throw new RangeError("capacity must be > 0 and refillPerSecond >= 0");
    }
    this.tokens = capacity;
    this.lastRefill = now();
  }

  tryRemove(count = 1): boolean {
    this.refill();
    if (count > this.tokens) return false;
    this.tokens -= count;
    return true;
  }

  private refill(): void {
    const t = this.now();
    const elapsedSeconds = Math.max(0, t - this.lastRefill) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsedSeconds * this.refillPerSecond);
    this.lastRefill = t;
  }
}
""",
    [
        """
export class TokenBucket {
  private tokens: number;
  private lastRefill: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.lastRefill = now();
  }

  tryRemove(count = 1): boolean {
    const t = this.now();
    this.tokens += ((t - this.lastRefill) / 1000) * this.refillPerSecond;
    this.lastRefill = t;
    if (count > this.tokens) return false;
    this.tokens -= count;
    return true;
  }
}
""",
        """
export class TokenBucket {
  private tokens: number;
  private readonly createdAt: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (capacity <= 0 || refillPerSecond < 0) throw new RangeError("invalid bucket parameters");
    this.tokens = capacity;
    this.createdAt = now();
  }

  tryRemove(count = 1): boolean {
    const elapsedSeconds = (this.now() - this.createdAt) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsedSeconds * this.refillPerSecond);
    if (count > this.tokens) return false;
    this.tokens -= count;
    return true;
  }
}
""",
    ],
    [
        "let t = 0;",
        "const b = new TokenBucket(2, 1, () => t);",
        "eq(b.tryRemove(), true); eq(b.tryRemove(), true); eq(b.tryRemove(), false);",
        "t = 500; eq(b.tryRemove(), false);",
        "t = 1000; eq(b.tryRemove(), true); eq(b.tryRemove(), false);",
        "t = 100000; eq(b.tryRemove(3), false); eq(b.tryRemove(2), true);",
        "throws(() => new TokenBucket(0, 1));",
    ],
)

P(
    "mapWithConcurrency",
    "thumbnail worker",
    """
Write `mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) =>
Promise<R>): Promise<R[]>` that runs `fn` over all items with at most `limit` calls in flight at any
time and resolves with the results in INPUT order (not completion order). Reject as soon as one call
rejects. Reject with a `RangeError` if `limit` is not a positive integer.
""",
    """
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
""",
    [
        """
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (limit < 1) throw new RangeError("limit must be >= 1");
  return Promise.all(items.map((item, index) => fn(item, index)));
}
""",
        """
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results.push(await fn(items[index], index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
""",
    ],
    [
        "let active = 0; let peak = 0;",
        "const out = await mapWithConcurrency([30, 10, 20, 5], 2, async (ms, i) => { active++; peak = Math.max(peak, active); await sleepMs(ms); active--; return i * 10; });",
        "eq(out, [0, 10, 20, 30]);",
        "eq(peak, 2);",
        "eq(await mapWithConcurrency([] as number[], 3, async (x) => x), []);",
    ],
)

P(
    "toTitleCase",
    "newsletter editor",
    """
Write `toTitleCase(input: string): string` for headlines: collapse runs of whitespace to one space and
trim; capitalise the first letter of each word and lower-case the rest, except that these small words
stay lower-case unless they are the first or last word: a, an, and, as, at, but, by, for, in, of, on,
or, the, to, vs, via.
""",
    """
const SMALL_WORDS = new Set(["a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "via"]);

export function toTitleCase(input: string): string {
  const words = input.trim().toLowerCase().split(/\\s+/).filter((w) => w !== "");
  return words
    .map((word, i) => {
      const isEdge = i === 0 || i === words.length - 1;
      return !isEdge && SMALL_WORDS.has(word) ? word : word[0].toUpperCase() + word.slice(1);
    })
    .join(" ");
}
""",
    [
        """
export function toTitleCase(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .split(/\\s+/)
    .filter((w) => w !== "")
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(" ");
}
""",
        """
const SMALL_WORDS = new Set(["a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "via"]);

export function toTitleCase(input: string): string {
  const words = input.trim().toLowerCase().split(/\\s+/).filter((w) => w !== "");
  return words
    .map((word, i) => (i > 0 && SMALL_WORDS.has(word) ? word : word[0].toUpperCase() + word.slice(1)))
    .join(" ");
}
""",
    ],
    [
        'eq(toTitleCase("the lord of the rings"), "The Lord of the Rings");',
        'eq(toTitleCase("  WAR AND   peace "), "War and Peace");',
        'eq(toTitleCase("what are you looking at"), "What Are You Looking At");',
        'eq(toTitleCase(""), "");',
    ],
)

P(
    "topWords",
    "search analytics",
    """
Write `topWords(text: string, n: number): Array<[word: string, count: number]>` returning the `n` most
frequent words. Words are maximal runs of ASCII letters, digits and apostrophes, compared
case-insensitively and returned lower-case. Sort by count descending, ties alphabetically ascending.
""",
    """
export function topWords(text: string, n: number): Array<[word: string, count: number]> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[a-z0-9']+/g) ?? []) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n);
}
""",
    [
        """
export function topWords(text: string, n: number): Array<[word: string, count: number]> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[a-z0-9']+/g) ?? []) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
}
""",
        """
export function topWords(text: string, n: number): Array<[word: string, count: number]> {
  const counts: Record<string, number> = {};
  for (const word of text.match(/[A-Za-z0-9']+/g) ?? []) counts[word] = (counts[word] ?? 0) + 1;
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n);
}
""",
    ],
    [
        'eq(topWords("the cat and the hat. The end!", 2), [["the", 3], ["and", 1]]);',
        'eq(topWords("b a b a c", 2), [["a", 2], ["b", 2]]);',
        'eq(topWords("", 3), []);',
    ],
)

P(
    "hexToRgb",
    "theme editor",
    """
Export `interface Rgb { r: number; g: number; b: number }` and write `hexToRgb(hex: string): Rgb | null`
accepting "#rrggbb" or "#rgb" (the "#" is optional, case-insensitive, surrounding whitespace ignored).
"#fa0" means "#ffaa00". Return `null` for anything else.
""",
    """
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export function hexToRgb(hex: string): Rgb | null {
  const match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (match === null) return null;
  let digits = match[1];
  if (digits.length === 3) {
    digits = [...digits].map((c) => c + c).join("");
  }
  const value = parseInt(digits, 16);
  return { r: (value >> 16) & 0xff, g: (value >> 8) & 0xff, b: value & 0xff };
}
""",
    [
        """
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export function hexToRgb(hex: string): Rgb | null {
  const match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (match === null) return null;
  const d = match[1];
  if (d.length === 3) {
    return { r: parseInt(d[0], 16) * 16, g: parseInt(d[1], 16) * 16, b: parseInt(d[2], 16) * 16 };
  }
  return { r: parseInt(d.slice(0, 2), 16), g: parseInt(d.slice(2, 4), 16), b: parseInt(d.slice(4, 6), 16) };
}
""",
        """
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export function hexToRgb(hex: string): Rgb | null {
  let d = hex.trim().replace(/^#/, "");
  if (d.length === 3) d = [...d].map((c) => c + c).join("");
  if (d.length !== 6) return null;
  return { r: parseInt(d.slice(0, 2), 16), g: parseInt(d.slice(2, 4), 16), b: parseInt(d.slice(4, 6), 16) };
}
""",
    ],
    [
        'eq(hexToRgb("#1E90FF"), { r: 30, g: 144, b: 255 });',
        'eq(hexToRgb(" fa0 "), { r: 255, g: 170, b: 0 });',
        'eq(hexToRgb("#12345"), null);',
        'eq(hexToRgb("#ggg"), null);',
    ],
)

P(
    "escapeHtml",
    "email templates",
    """
Write `escapeHtml(text: string): string` that escapes `&`, `<`, `>`, `"` and `'` as `&amp;`, `&lt;`,
`&gt;`, `&quot;` and `&#39;`. Every character is escaped exactly once: "&amp;" in the input becomes
"&amp;amp;".
""",
    """
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}
""",
    [
        """
export function escapeHtml(text: string): string {
  return text
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")
    .replace(/&/g, "&amp;");
}
""",
        """
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
""",
    ],
    [
        'eq(escapeHtml(`<a href="x">Tom & Jerry\'s</a>`), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");',
        'eq(escapeHtml("&amp;"), "&amp;amp;");',
        'eq(escapeHtml("plain"), "plain");',
    ],
)

P(
    "binarySearch",
    "timeline viewer",
    """
Write `binarySearch(sorted: readonly number[], target: number): number` returning an index of `target`
in the ascending array `sorted`, or -1 if it is not present. O(log n); no recursion.
""",
    """
export function binarySearch(sorted: readonly number[], target: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === target) return mid;
    if (sorted[mid] < target) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
""",
    [
        """
export function binarySearch(sorted: readonly number[], target: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === target) return mid;
    if (sorted[mid] < target) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
""",
        """
export function binarySearch(sorted: readonly number[], target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
""",
    ],
    [
        "eq(binarySearch([1, 3, 5, 7, 9], 7), 3);",
        "eq(binarySearch([1, 3, 5, 7, 9], 1), 0);",
        "eq(binarySearch([1, 3, 5, 7, 9], 9), 4);",
        "eq(binarySearch([1, 3], 4), -1);",
        "eq(binarySearch([], 1), -1);",
    ],
)

P(
    "withTimeout",
    "inventory sync",
    """
Export `class TimeoutError extends Error` (with `name = "TimeoutError"` and a message containing
"timed out") and write `withTimeout<T>(promise: Promise<T>, ms: number): Promise<T>` that settles like
`promise`, or rejects with a `TimeoutError` if `promise` has not settled after `ms` ms. Always clear the
timer so that no timer is left pending after the returned promise settles.
""",
    """
export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`operation timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
""",
    [
        """
export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`operation timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms)),
  ]);
}
""",
        """
export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`operation timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    setTimeout(reject, ms);
    promise.then(resolve, reject);
  });
}
""",
    ],
    [
        "eq(await withTimeout(Promise.resolve(5), 50), 5);",
        'await rejects(() => withTimeout(sleepMs(200), 20), "timed out");',
        "let caught: unknown; try { await withTimeout(sleepMs(200), 10); } catch (e) { caught = e; }",
        "eq(caught instanceof TimeoutError, true);",
    ],
)

P(
    "romanToInt",
    "document numbering",
    """
Write `romanToInt(roman: string): number` for upper-case Roman numerals 1..3999 in canonical form,
using subtractive notation (IV, IX, XL, XC, CD, CM): "MCMXCIV" -> 1994. Throw an `Error` for
non-canonical or invalid input such as "IIII", "IC" or "".
""",
    """
const VALUES: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };
const CANONICAL = /^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$/;

export function romanToInt(roman: string): number {
  if (roman === "" || !CANONICAL.test(roman)) {
    throw new Error(`invalid roman numeral: "${roman}"`);
  }
  let total = 0;
  for (let i = 0; i < roman.length; i++) {
    const value = VALUES[roman[i]];
    const next = i + 1 < roman.length ? VALUES[roman[i + 1]] : 0;
    total += value < next ? -value : value;
  }
  return total;
}
""",
    [
        """
const VALUES: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };

export function romanToInt(roman: string): number {
  if (!/^[IVXLCDM]+$/.test(roman)) throw new Error("invalid roman numeral");
  let total = 0;
  for (const ch of roman) total += VALUES[ch];
  return total;
}
""",
        """
const VALUES: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };

export function romanToInt(roman: string): number {
  if (!/^[IVXLCDM]+$/.test(roman)) throw new Error("invalid roman numeral");
  let total = 0;
  for (let i = 0; i < roman.length; i++) {
    const value = VALUES[roman[i]];
    const next = i + 1 < roman.length ? VALUES[roman[i + 1]] : 0;
    total += value < next ? -value : value;
  }
  return total;
}
""",
    ],
    [
        'eq(romanToInt("MCMXCIV"), 1994);',
        'eq(romanToInt("XLII"), 42);',
        'eq(romanToInt("III"), 3);',
        'throws(() => romanToInt("IIII"));',
        'throws(() => romanToInt(""));',
    ],
)

P(
    "toE164",
    "SMS notifications",
    """
Write `toE164(phone: string): string | null` that normalises a North American (NANP) phone number to
E.164 ("+1" followed by 10 digits). Ignore all non-digit characters; an optional leading country code
1 is allowed (11 digits starting with 1). The 10-digit number's area code may not start with 0 or 1.
Return `null` for anything that is not a valid NANP number.
""",
    """
export function toE164(phone: string): string | null {
  let digits = phone.replace(/\\D/g, "");
  if (digits.length === 11 && digits.startsWith("1")) {
    digits = digits.slice(1);
  }
  if (digits.length !== 10 || /^[01]/.test(digits)) return null;
  return `+1${digits}`;
}
""",
    [
        """
export function toE164(phone: string): string | null {
  const digits = phone.replace(/\\D/g, "");
  if (digits.length !== 10 || /^[01]/.test(digits)) return null;
  return `+1${digits}`;
}
""",
        """
export function toE164(phone: string): string | null {
  const digits = phone.replace(/\\D/g, "").replace(/^1(?=\\d{10}$)/, "");
  return digits.length === 10 ? `+1${digits}` : null;
}
""",
    ],
    [
        'eq(toE164("(415) 555-0132"), "+14155550132");',
        'eq(toE164("+1 212.555.0199"), "+12125550199");',
        'eq(toE164("555-0132"), null);',
        'eq(toE164("1 (015) 555 0132"), null);',
        'eq(toE164("4155550132 ext 7"), null);',
    ],
)

P(
    "paginate",
    "admin tables",
    """
Export `interface PageInfo { offset: number; limit: number; totalPages: number; hasNext: boolean;
hasPrevious: boolean }` and write `paginate(totalItems: number, page: number, pageSize: number):
PageInfo` for 1-based page numbers. `totalPages` is 0 when there are no items. Throw a `RangeError`
when `page` or `pageSize` is not an integer >= 1. A page past the end is allowed (empty page).
""",
    """
export interface PageInfo {
  offset: number;
  limit: number;
  totalPages: number;
  hasNext: boolean;
  hasPrevious: boolean;
}

export function paginate(totalItems: number, page: number, pageSize: number): PageInfo {
  if (!Number.isInteger(page) || page < 1) throw new RangeError(`page must be an integer >= 1, got ${page}`);
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be an integer >= 1, got ${pageSize}`);
  }
  const totalPages = Math.ceil(totalItems / pageSize);
  return {
    offset: (page - 1) * pageSize,
    limit: pageSize,
    totalPages,
    hasNext: page < totalPages,
    hasPrevious: page > 1,
  };
}
""",
    [
        """
export interface PageInfo {
  offset: number;
  limit: number;
  totalPages: number;
  hasNext: boolean;
  hasPrevious: boolean;
}

export function paginate(totalItems: number, page: number, pageSize: number): PageInfo {
  const totalPages = Math.ceil(totalItems / pageSize);
  return { offset: page * pageSize, limit: pageSize, totalPages, hasNext: page < totalPages, hasPrevious: page > 1 };
}
""",
        """
export interface PageInfo {
  offset: number;
  limit: number;
  totalPages: number;
  hasNext: boolean;
  hasPrevious: boolean;
}

export function paginate(totalItems: number, page: number, pageSize: number): PageInfo {
  if (page < 1 || pageSize < 1) throw new RangeError("page and pageSize must be >= 1");
  const totalPages = Math.floor(totalItems / pageSize);
  return { offset: (page - 1) * pageSize, limit: pageSize, totalPages, hasNext: page < totalPages, hasPrevious: page > 1 };
}
""",
    ],
    [
        "eq(paginate(95, 1, 20), { offset: 0, limit: 20, totalPages: 5, hasNext: true, hasPrevious: false });",
        "eq(paginate(95, 5, 20), { offset: 80, limit: 20, totalPages: 5, hasNext: false, hasPrevious: true });",
        "eq(paginate(0, 1, 10).totalPages, 0);",
        "throws(() => paginate(10, 0, 10));",
    ],
)

P(
    "diffKeys",
    "audit log",
    """
Export `interface KeyDiff { added: string[]; removed: string[]; changed: string[] }` and write
`diffKeys(before: Record<string, unknown>, after: Record<string, unknown>): KeyDiff` for a shallow diff
of own keys. A key is changed when present in both with values that differ by `Object.is` (so NaN
equals NaN). Each list is sorted alphabetically.
""",
    """
export interface KeyDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export function diffKeys(before: Record<string, unknown>, after: Record<string, unknown>): KeyDiff {
  const has = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);
  return {
    added: Object.keys(after).filter((k) => !has(before, k)).sort(),
    removed: Object.keys(before).filter((k) => !has(after, k)).sort(),
    changed: Object.keys(after).filter((k) => has(before, k) && !Object.is(before[k], after[k])).sort(),
  };
}
""",
    [
        """
export interface KeyDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export function diffKeys(before: Record<string, unknown>, after: Record<string, unknown>): KeyDiff {
  return {
    added: Object.keys(after).filter((k) => !(k in before)).sort(),
    removed: Object.keys(before).filter((k) => !(k in after)).sort(),
    changed: Object.keys(after).filter((k) => k in before && before[k] !== after[k]).sort(),
  };
}
""",
        """
export interface KeyDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export function diffKeys(before: Record<string, unknown>, after: Record<string, unknown>): KeyDiff {
  return {
    added: Object.keys(after).filter((k) => !(k in before)),
    removed: Object.keys(before).filter((k) => !(k in after)),
    changed: Object.keys(after).filter((k) => k in before && !Object.is(before[k], after[k])),
  };
}
""",
    ],
    [
        'eq(diffKeys({ a: 1, b: 2, c: 3 }, { b: 2, c: 4, d: 5 }), { added: ["d"], removed: ["a"], changed: ["c"] });',
        "eq(diffKeys({ x: NaN }, { x: NaN }), { added: [], removed: [], changed: [] });",
        'eq(diffKeys({}, { z: 1, y: 2 }).added, ["y", "z"]);',
    ],
)

P(
    "movingAverage",
    "sensor dashboard",
    """
Write `movingAverage(values: readonly number[], window: number): number[]` returning the simple moving
average of every full window, in O(n): the result has `values.length - window + 1` entries (none if the
input is shorter than the window). Throw a `RangeError` if `window` is not a positive integer.
""",
    """
export function movingAverage(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`window must be a positive integer, got ${window}`);
  }
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    if (i >= window - 1) out.push(sum / window);
  }
  return out;
}
""",
    [
        """
export function movingAverage(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / window);
  }
  return out;
}
""",
        """
export function movingAverage(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError("window must be >= 1");
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i > window) sum -= values[i - window];
    if (i >= window - 1) out.push(sum / window);
  }
  return out;
}
""",
    ],
    [
        "eq(movingAverage([1, 2, 3, 4, 5], 2), [1.5, 2.5, 3.5, 4.5]);",
        "eq(movingAverage([1, 2], 3), []);",
        "eq(movingAverage([4, 8, 6], 1), [4, 8, 6]);",
        "throws(() => movingAverage([1], 0));",
    ],
)

P(
    "compact",
    "data pipeline",
    """
Write a type guard `isPresent<T>(value: T): value is NonNullable<T>` and `compact<T>(items: readonly
T[]): NonNullable<T>[]` that removes only `null` and `undefined` (keep `0`, `""`, `false` and `NaN`).
The return type must be narrowed: `compact([1, null, 2])` is `number[]`.
""",
    """
export function isPresent<T>(value: T): value is NonNullable<T> {
  return value !== null && value !== undefined;
}

export function compact<T>(items: readonly T[]): NonNullable<T>[] {
  return items.filter(isPresent);
}
""",
    [
        """
export function isPresent<T>(value: T): value is NonNullable<T> {
  return Boolean(value);
}

export function compact<T>(items: readonly T[]): NonNullable<T>[] {
  return items.filter(Boolean) as NonNullable<T>[];
}
""",
        """
export function isPresent<T>(value: T): boolean {
  return value !== null && value !== undefined;
}

export function compact<T>(items: readonly T[]): T[] {
  return items.filter(isPresent);
}
""",
    ],
    [
        'eq(compact([0, null, "", undefined, false, 3]), [0, "", false, 3]);',
        "const xs: number[] = compact([1, null, 2]);",
        "eq(xs, [1, 2]);",
    ],
)

P(
    "statusCategory",
    "HTTP client",
    """
Export `type StatusCategory = "informational" | "success" | "redirect" | "client_error" |
"server_error"` and write `statusCategory(code: number): StatusCategory` mapping 1xx..5xx to the
categories in that order. Throw a `RangeError` for anything that is not an integer in 100..599.
""",
    """
export type StatusCategory = "informational" | "success" | "redirect" | "client_error" | "server_error";

const CATEGORIES: readonly StatusCategory[] = ["informational", "success", "redirect", "client_error", "server_error"];

export function statusCategory(code: number): StatusCategory {
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    throw new RangeError(`not an HTTP status code: ${code}`);
  }
  return CATEGORIES[Math.floor(code / 100) - 1];
}
""",
    [
        """
export type StatusCategory = "informational" | "success" | "redirect" | "client_error" | "server_error";

const CATEGORIES: readonly StatusCategory[] = ["informational", "success", "redirect", "client_error", "server_error"];

export function statusCategory(code: number): StatusCategory {
  if (code < 100 || code > 599) throw new RangeError(`not an HTTP status code: ${code}`);
  return CATEGORIES[Math.round(code / 100) - 1];
}
""",
        """
export type StatusCategory = "informational" | "success" | "redirect" | "client_error" | "server_error";

export function statusCategory(code: number): StatusCategory {
  if (code < 100 || code > 600) throw new RangeError(`not an HTTP status code: ${code}`);
  if (code < 200) return "informational";
  if (code < 300) return "success";
  if (code < 400) return "redirect";
  if (code < 500) return "client_error";
  return "server_error";
}
""",
    ],
    [
        'eq(statusCategory(200), "success");',
        'eq(statusCategory(299), "success");',
        'eq(statusCategory(301), "redirect");',
        'eq(statusCategory(499), "client_error");',
        'eq(statusCategory(503), "server_error");',
        "throws(() => statusCategory(99));",
        "throws(() => statusCategory(600));",
    ],
)

P(
    "sleep",
    "crawler",
    """
Write `sleep(ms: number, signal?: AbortSignal): Promise<void>` that resolves after `ms` ms. If `signal`
is already aborted, reject immediately with `signal.reason`; if it is aborted while waiting, clear the
timer and reject with `signal.reason`. Remove the abort listener once the promise settles.
""",
    """
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
""",
    [
        """
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
""",
        """
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error("aborted"));
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    });
  });
}
""",
    ],
    [
        "await sleep(5);",
        "const c1 = new AbortController();",
        "const p1 = sleep(1000, c1.signal);",
        'c1.abort(new Error("cancelled by user"));',
        'await rejects(() => p1, "cancelled by user");',
        "const c2 = new AbortController();",
        'c2.abort(new Error("early abort"));',
        'await rejects(() => sleep(10, c2.signal), "early abort");',
    ],
)

P(
    "cartReducer",
    "storefront",
    """
Export `interface CartItem { sku: string; quantity: number; unitPriceCents: number }`, the action union
`CartAction` = `{ type: "add"; item: CartItem }` | `{ type: "remove"; sku: string }` |
`{ type: "setQuantity"; sku: string; quantity: number }` | `{ type: "clear" }`, and a pure reducer
`cartReducer(state: readonly CartItem[], action: CartAction): CartItem[]`. Adding an existing SKU
increases its quantity instead of adding a second line; `setQuantity` to 0 or less removes the line.
Never mutate `state` or the items in it.
""",
    """
export interface CartItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export type CartAction =
  | { type: "add"; item: CartItem }
  | { type: "remove"; sku: string }
  | { type: "setQuantity"; sku: string; quantity: number }
  | { type: "clear" };

export function cartReducer(state: readonly CartItem[], action: CartAction): CartItem[] {
  switch (action.type) {
    case "add": {
      const { item } = action;
      if (!state.some((line) => line.sku === item.sku)) return [...state, { ...item }];
      return state.map((line) => (line.sku === item.sku ? { ...line, quantity: line.quantity + item.quantity } : line));
    }
    case "remove":
      return state.filter((line) => line.sku !== action.sku);
    case "setQuantity":
      if (action.quantity <= 0) return state.filter((line) => line.sku !== action.sku);
      return state.map((line) => (line.sku === action.sku ? { ...line, quantity: action.quantity } : line));
    case "clear":
      return [];
  }
}
""",
    [
        """
export interface CartItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export type CartAction =
  | { type: "add"; item: CartItem }
  | { type: "remove"; sku: string }
  | { type: "setQuantity"; sku: string; quantity: number }
  | { type: "clear" };

export function cartReducer(state: readonly CartItem[], action: CartAction): CartItem[] {
  switch (action.type) {
    case "add": {
      const existing = state.find((line) => line.sku === action.item.sku);
      if (existing) {
        existing.quantity += action.item.quantity;
        return [...state];
      }
      return [...state, action.item];
    }
    case "remove":
      return state.filter((line) => line.sku !== action.sku);
    case "setQuantity":
      if (action.quantity <= 0) return state.filter((line) => line.sku !== action.sku);
      return state.map((line) => (line.sku === action.sku ? { ...line, quantity: action.quantity } : line));
    case "clear":
      return [];
  }
}
""",
        """
export interface CartItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export type CartAction =
  | { type: "add"; item: CartItem }
  | { type: "remove"; sku: string }
  | { type: "setQuantity"; sku: string; quantity: number }
  | { type: "clear" };

export function cartReducer(state: readonly CartItem[], action: CartAction): CartItem[] {
  switch (action.type) {
    case "add":
      return [...state, { ...action.item }];
    case "remove":
      return state.filter((line) => line.sku !== action.sku);
    case "setQuantity":
      return state.map((line) => (line.sku === action.sku ? { ...line, quantity: action.quantity } : line));
    case "clear":
      return [];
  }
}
""",
    ],
    [
        'let s = cartReducer([], { type: "add", item: { sku: "A", quantity: 1, unitPriceCents: 500 } });',
        's = cartReducer(s, { type: "add", item: { sku: "A", quantity: 2, unitPriceCents: 500 } });',
        'eq(s, [{ sku: "A", quantity: 3, unitPriceCents: 500 }]);',
        'eq(cartReducer(s, { type: "setQuantity", sku: "A", quantity: 0 }), []);',
        'const frozen = Object.freeze([{ sku: "B", quantity: 1, unitPriceCents: 100 }]);',
        'eq(cartReducer(frozen, { type: "add", item: { sku: "B", quantity: 1, unitPriceCents: 100 } })[0].quantity, 2);',
        "eq(frozen[0].quantity, 1);",
    ],
)

P(
    "invoiceTotals",
    "invoicing",
    """
Export `interface InvoiceLine { quantity: number; unitPriceCents: number; discountPercent?: number }`
and `interface InvoiceTotals { subtotalCents: number; taxCents: number; totalCents: number }`, and
write `invoiceTotals(lines: readonly InvoiceLine[], taxRatePercent: number): InvoiceTotals`. Each line
is quantity * unitPriceCents minus its discount (discountPercent of that amount, rounded to whole cents
with Math.round; no discount when absent). Tax is taxRatePercent of the discounted subtotal, rounded
once with Math.round. Everything stays in integer cents.
""",
    """
export interface InvoiceLine {
  quantity: number;
  unitPriceCents: number;
  discountPercent?: number;
}

export interface InvoiceTotals {
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
}

export function invoiceTotals(lines: readonly InvoiceLine[], taxRatePercent: number): InvoiceTotals {
  let subtotalCents = 0;
  for (const line of lines) {
    const gross = line.quantity * line.unitPriceCents;
    const discount = Math.round((gross * (line.discountPercent ?? 0)) / 100);
    subtotalCents += gross - discount;
  }
  const taxCents = Math.round((subtotalCents * taxRatePercent) / 100);
  return { subtotalCents, taxCents, totalCents: subtotalCents + taxCents };
}
""",
    [
        """
export interface InvoiceLine {
  quantity: number;
  unitPriceCents: number;
  discountPercent?: number;
}

export interface InvoiceTotals {
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
}

export function invoiceTotals(lines: readonly InvoiceLine[], taxRatePercent: number): InvoiceTotals {
  let grossCents = 0;
  let discountCents = 0;
  for (const line of lines) {
    const gross = line.quantity * line.unitPriceCents;
    grossCents += gross;
    discountCents += Math.round((gross * (line.discountPercent ?? 0)) / 100);
  }
  const subtotalCents = grossCents - discountCents;
  const taxCents = Math.round((grossCents * taxRatePercent) / 100);
  return { subtotalCents, taxCents, totalCents: subtotalCents + taxCents };
}
""",
        """
export interface InvoiceLine {
  quantity: number;
  unitPriceCents: number;
  discountPercent?: number;
}

export interface InvoiceTotals {
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
}

export function invoiceTotals(lines: readonly InvoiceLine[], taxRatePercent: number): InvoiceTotals {
  let subtotalCents = 0;
  for (const line of lines) {
    const gross = line.quantity * line.unitPriceCents;
    subtotalCents += gross - Math.round((gross * line.discountPercent) / 100);
  }
  const taxCents = Math.round((subtotalCents * taxRatePercent) / 100);
  return { subtotalCents, taxCents, totalCents: subtotalCents + taxCents };
}
""",
    ],
    [
        "eq(invoiceTotals([{ quantity: 3, unitPriceCents: 1999 }, { quantity: 1, unitPriceCents: 4500, discountPercent: 10 }], 8.25), { subtotalCents: 10047, taxCents: 829, totalCents: 10876 });",
        "eq(invoiceTotals([], 20), { subtotalCents: 0, taxCents: 0, totalCents: 0 });",
    ],
)

P(
    "retryAfterMs",
    "LLM gateway",
    """
Write `retryAfterMs(headers: Readonly<Record<string, string | undefined>>, nowMs: number = Date.now()):
number | null` that reads how long to wait before retrying a 429/503 response. Header names are
case-insensitive. Prefer `retry-after-ms` (a non-negative number of milliseconds, rounded); otherwise
use `retry-after`, which is either a non-negative integer number of seconds or an HTTP date (return
the milliseconds until that date, never negative). Return `null` when neither header is usable.
""",
    """
export function retryAfterMs(
  headers: Readonly<Record<string, string | undefined>>,
  nowMs: number = Date.now(),
): number | null {
  const lower: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  const ms = lower["retry-after-ms"]?.trim();
  if (ms !== undefined && /^\\d+(\\.\\d+)?$/.test(ms)) return Math.round(Number(ms));
  const retryAfter = lower["retry-after"]?.trim();
  if (retryAfter === undefined || retryAfter === "") return null;
  if (/^\\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}
""",
    [
        """
export function retryAfterMs(
  headers: Readonly<Record<string, string | undefined>>,
  nowMs: number = Date.now(),
): number | null {
  const ms = headers["retry-after-ms"];
  if (ms !== undefined && !Number.isNaN(Number(ms))) return Math.round(Number(ms));
  const retryAfter = headers["retry-after"];
  if (retryAfter === undefined) return null;
  if (/^\\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
""",
        """
export function retryAfterMs(
  headers: Readonly<Record<string, string | undefined>>,
  nowMs: number = Date.now(),
): number | null {
  const lower: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  const raw = lower["retry-after-ms"] ?? lower["retry-after"];
  if (raw === undefined) return null;
  if (/^\\d+(\\.\\d+)?$/.test(raw.trim())) return Math.round(Number(raw));
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
""",
    ],
    [
        'eq(retryAfterMs({ "Retry-After": "3" }), 3000);',
        'eq(retryAfterMs({ "retry-after-ms": "250", "retry-after": "1" }), 250);',
        'eq(retryAfterMs({ "retry-after": "Wed, 21 Oct 2015 07:28:30 GMT" }, Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")), 30000);',
        "eq(retryAfterMs({}), null);",
        'eq(retryAfterMs({ "retry-after": "soon" }), null);',
    ],
)

P(
    "backoffDelay",
    "LLM gateway",
    """
Write `backoffDelay(attempt: number, opts: { initialMs: number; maxMs: number; multiplier: number },
random: () => number = Math.random): number` for "full jitter" exponential backoff: the cap for
attempt n (1-based) is `min(maxMs, initialMs * multiplier ** (n - 1))` and the delay is
`Math.floor(random() * cap)`. Throw a `RangeError` when `attempt` is not an integer >= 1.
""",
    """
export function backoffDelay(
  attempt: number,
  opts: { initialMs: number; maxMs: number; multiplier: number },
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  }
  const cap = Math.min(opts.maxMs, opts.initialMs * opts.multiplier ** (attempt - 1));
  return Math.floor(random() * cap);
}
""",
    [
        """
export function backoffDelay(
  attempt: number,
  opts: { initialMs: number; maxMs: number; multiplier: number },
  random: () => number = Math.random,
): number {
  if (attempt < 1) throw new RangeError("attempt must be >= 1");
  return Math.floor(random() * opts.initialMs * opts.multiplier ** (attempt - 1));
}
""",
        """
export function backoffDelay(
  attempt: number,
  opts: { initialMs: number; maxMs: number; multiplier: number },
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError("attempt must be an integer >= 1");
  const cap = Math.min(opts.maxMs, opts.initialMs * opts.multiplier ** attempt);
  return Math.floor(random() * cap);
}
""",
    ],
    [
        "const o = { initialMs: 500, maxMs: 8000, multiplier: 2 };",
        "eq(backoffDelay(1, o, () => 0.5), 250);",
        "eq(backoffDelay(3, o, () => 0.999), 1998);",
        "eq(backoffDelay(10, o, () => 0.5), 4000);",
        "throws(() => backoffDelay(0, o));",
    ],
)

P(
    "parseBoolean",
    "feature flags",
    """
Write `parseBoolean(value: string | undefined): boolean | undefined` for environment-variable flags.
Trim and compare case-insensitively: "true", "yes", "on", "1" give `true`; "false", "no", "off", "0"
give `false`; anything else, including `undefined` and "", gives `undefined`.
""",
    """
const TRUE_VALUES = new Set(["true", "yes", "on", "1"]);
const FALSE_VALUES = new Set(["false", "no", "off", "0"]);

export function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const normalized = value.trim().toLowerCase();
  if (TRUE_VALUES.has(normalized)) return true;
  if (FALSE_VALUES.has(normalized)) return false;
  return undefined;
}
""",
    [
        """
export function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  return Boolean(value);
}
""",
        """
export function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === "true" || value === "yes" || value === "on" || value === "1") return true;
  if (value === "false" || value === "no" || value === "off" || value === "0") return false;
  return undefined;
}
""",
    ],
    [
        'eq(parseBoolean(" Yes "), true);',
        'eq(parseBoolean("false"), false);',
        'eq(parseBoolean("OFF"), false);',
        'eq(parseBoolean("maybe"), undefined);',
        "eq(parseBoolean(undefined), undefined);",
    ],
)
