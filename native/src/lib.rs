//! zpark's optional compiled helpers: a shuffle's per-key work that the interpreter makes costly.
//!
//! The pure-Python paths are the reference (`zpark/common/hashing.py` for hashes, lists and dicts
//! for distinct(), `zpark/data/str_columns.py` reading str columns back, `list.sort` for sorting
//! by key): every function here
//! gives exactly what they give, or `None` where it does not handle an input, and zpark then
//! takes the Python path. `tests/unit/test_native.py` checks the two against each other.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyList, PyString, PyTuple};

/// `portable_hash` keeps tuple hashes in 63 bits.
const MASK: u64 = (1u64 << 63) - 1;

/// `portable_hash(key)` for keys made of exact str, bytes, int, float, bool, None and tuples of
/// them; `None` for anything else (a subclass, a frozenset, a str with a lone surrogate).
fn hash_of(key: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    if key.is_exact_instance_of::<PyString>() {
        let text = unsafe { key.cast_unchecked::<PyString>() };
        return Ok(match text.to_str() {
            Ok(utf8) => Some(crc32fast::hash(utf8.as_bytes()) as i64),
            Err(_) => None, // lone surrogates: Python encodes them with "surrogatepass"
        });
    }
    if key.is_exact_instance_of::<PyInt>()
        || key.is_exact_instance_of::<PyFloat>()
        || key.is_exact_instance_of::<PyBool>()
    {
        return Ok(Some(key.hash()? as i64));
    }
    if key.is_exact_instance_of::<PyBytes>() {
        let data = unsafe { key.cast_unchecked::<PyBytes>() };
        return Ok(Some(crc32fast::hash(data.as_bytes()) as i64));
    }
    if key.is_none() {
        return Ok(Some(0));
    }
    if key.is_exact_instance_of::<PyTuple>() {
        let items = unsafe { key.cast_unchecked::<PyTuple>() };
        let mut h: u64 = 0x345678;
        for item in items.iter() {
            match hash_of(&item)? {
                // Python's `((h ^ item) * 1000003) & MASK` on unbounded ints keeps the low 63 bits,
                // which only the low 64 bits of each operand decide.
                Some(item_hash) => h = (h ^ item_hash as u64).wrapping_mul(1000003) & MASK,
                None => return Ok(None),
            }
        }
        return Ok(Some((h ^ items.len() as u64) as i64));
    }
    Ok(None)
}

/// The `portable_hash` of every key in a list, as native-endian int64s in one bytes object, or `None`
/// when some key is not of a type `hash_of` handles: `hash_of` as Python sees it, which the tests
/// compare with the reference key by key (the shuffle itself hashes inside `partition_columns`).
#[pyfunction]
fn portable_hashes<'py>(py: Python<'py>, keys: &Bound<'py, PyList>) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let mut out: Vec<u8> = Vec::with_capacity(keys.len() * 8);
    for key in keys.iter() {
        match hash_of(&key)? {
            Some(h) => out.extend_from_slice(&h.to_ne_bytes()),
            None => return Ok(None),
        }
    }
    Ok(Some(PyBytes::new(py, &out)))
}

/// The splits of one chunk: for each partition that gets a record, in partition order,
/// `(partition, keys, values)` lists; values `None` when the chunk is keys alone.
type Split<'py> = Vec<(usize, Bound<'py, PyList>, Option<Bound<'py, PyList>>)>;

/// Whether a chunk of `records` is worth splitting here for `partitions` partitions; an error for 0.
fn splits_here(records: usize, partitions: usize) -> PyResult<bool> {
    if partitions == 0 {
        return Err(pyo3::exceptions::PyValueError::new_err("partitions must be at least 1"));
    }
    // Far more partitions than records: the Python loop costs only the records.
    Ok(partitions <= u32::MAX as usize && partitions <= records.saturating_mul(4).max(1024))
}

/// `keys` (and `values`, as long) moved into per-partition lists by `portable_hash(key) % partitions`,
/// in chunk order; `None` when a key is not of a type `hash_of` handles.
fn split_by_partition<'py>(
    py: Python<'py>,
    keys: Vec<Bound<'py, PyAny>>,
    values: Option<Vec<Bound<'py, PyAny>>>,
    partitions: usize,
) -> PyResult<Option<Split<'py>>> {
    let mut parts: Vec<u32> = Vec::with_capacity(keys.len());
    let mut counts: Vec<usize> = vec![0; partitions];
    for key in keys.iter() {
        match hash_of(key)? {
            // Python's `%` with a positive divisor: the remainder is never negative.
            Some(h) => {
                let part = h.rem_euclid(partitions as i64) as usize;
                parts.push(part as u32);
                counts[part] += 1;
            }
            None => return Ok(None),
        }
    }
    let mut part_keys: Vec<Vec<Bound<'py, PyAny>>> =
        counts.iter().map(|&count| Vec::with_capacity(count)).collect();
    for (key, &part) in keys.into_iter().zip(parts.iter()) {
        part_keys[part as usize].push(key);
    }
    let mut part_values: Option<Vec<Vec<Bound<'py, PyAny>>>> = values.map(|values| {
        let mut split: Vec<Vec<Bound<'py, PyAny>>> =
            counts.iter().map(|&count| Vec::with_capacity(count)).collect();
        for (value, &part) in values.into_iter().zip(parts.iter()) {
            split[part as usize].push(value);
        }
        split
    });
    let mut out = Vec::new();
    for (part, keys_of_part) in part_keys.into_iter().enumerate() {
        if keys_of_part.is_empty() {
            continue;
        }
        let values_of_part = match part_values.as_mut() {
            Some(split) => Some(PyList::new(py, std::mem::take(&mut split[part]))?),
            None => None,
        };
        out.push((part, PyList::new(py, keys_of_part)?, values_of_part));
    }
    Ok(Some(out))
}

/// A chunk's `(keys, values)` columns split by `portable_hash(key) % partitions`: for each partition
/// that gets a record, in partition order, `(partition, keys, values)` lists holding the same objects
/// in chunk order - what the shuffle writer's Python split gives (`columnar.bucketed`). `values`
/// None (keys alone) gives None values. `None` when a key is not of a type `hash_of` handles.
#[pyfunction]
#[pyo3(signature = (keys, values, partitions))]
fn partition_columns<'py>(
    py: Python<'py>,
    keys: &Bound<'py, PyList>,
    values: Option<&Bound<'py, PyList>>,
    partitions: usize,
) -> PyResult<Option<Split<'py>>> {
    if !splits_here(keys.len(), partitions)? {
        return Ok(None);
    }
    if let Some(values) = values {
        if values.len() != keys.len() {
            return Err(pyo3::exceptions::PyValueError::new_err("keys and values differ in length"));
        }
    }
    split_by_partition(py, keys.iter().collect(), values.map(|values| values.iter().collect()), partitions)
}

/// `partition_columns` of a chunk of (key, value) records, each an exact tuple or list of two -
/// what `key, value = record` reads, as the Python path's `split_pairs` checks - without the
/// columns made first. `None` for any other record (the Python path names it) or key.
#[pyfunction]
fn partition_pairs<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyList>,
    partitions: usize,
) -> PyResult<Option<Split<'py>>> {
    if !splits_here(records.len(), partitions)? {
        return Ok(None);
    }
    let mut keys = Vec::with_capacity(records.len());
    let mut values = Vec::with_capacity(records.len());
    for record in records.iter() {
        if record.is_exact_instance_of::<PyTuple>() {
            let pair = unsafe { record.cast_unchecked::<PyTuple>() };
            if pair.len() != 2 {
                return Ok(None);
            }
            keys.push(pair.get_item(0)?);
            values.push(pair.get_item(1)?);
        } else if record.is_exact_instance_of::<PyList>() {
            let pair = unsafe { record.cast_unchecked::<PyList>() };
            if pair.len() != 2 {
                return Ok(None);
            }
            keys.push(pair.get_item(0)?);
            values.push(pair.get_item(1)?);
        } else {
            return Ok(None);
        }
    }
    split_by_partition(py, keys, Some(values), partitions)
}

/// A list of exact str keys split by `portable_hash(key) % partitions` into str columns: for each
/// partition that gets a key, in partition order, `(partition, lengths, text)` - the keys' UTF-8
/// byte lengths as little-endian uint32s and their UTF-8 bytes end to end, keys in list order.
/// `None` when a key is not an exact str with a UTF-8 form (`zpark/data/str_columns.py` is the
/// reference and reads the columns back).
#[pyfunction]
fn partition_strs<'py>(
    py: Python<'py>,
    keys: &Bound<'py, PyList>,
    partitions: usize,
) -> PyResult<Option<Vec<(usize, Bound<'py, PyBytes>, Bound<'py, PyBytes>)>>> {
    if partitions == 0 {
        return Err(pyo3::exceptions::PyValueError::new_err("partitions must be at least 1"));
    }
    if partitions > keys.len().saturating_mul(4).max(1024) {
        return Ok(None); // far more partitions than keys: the Python split costs only the keys
    }
    let mut lengths: Vec<Vec<u8>> = vec![Vec::new(); partitions];
    let mut texts: Vec<Vec<u8>> = vec![Vec::new(); partitions];
    for key in keys.iter() {
        if !key.is_exact_instance_of::<PyString>() {
            return Ok(None);
        }
        let utf8 = match unsafe { key.cast_unchecked::<PyString>() }.to_str() {
            Ok(utf8) => utf8.as_bytes(),
            Err(_) => return Ok(None),
        };
        if utf8.len() > u32::MAX as usize {
            return Ok(None);
        }
        // A str's portable_hash is its CRC-32: never negative, so `%` is Python's modulo.
        let part = (crc32fast::hash(utf8) as usize) % partitions;
        lengths[part].extend_from_slice(&(utf8.len() as u32).to_le_bytes());
        texts[part].extend_from_slice(utf8);
    }
    let mut out = Vec::new();
    for (part, (part_lengths, text)) in lengths.iter().zip(texts.iter()).enumerate() {
        if !part_lengths.is_empty() {
            out.push((part, PyBytes::new(py, part_lengths), PyBytes::new(py, text)));
        }
    }
    Ok(Some(out))
}

/// Distinct str keys in the order they were first seen: `distinct()`'s reduce side, which otherwise
/// inserts every fresh key into a dict (hashing it with SipHash) to keep the first of each.
///
/// Keys are compared by their UTF-8 bytes, which is str equality. The set borrows each kept key's
/// UTF-8 buffer; the key itself is held in `keys`, so the buffer lives (and stays put) as long as
/// the set does.
#[pyclass(unsendable)]
struct FirstSeen {
    index: std::collections::HashSet<&'static [u8], ahash::RandomState>,
    keys: Vec<Py<PyAny>>,
}

#[pymethods]
impl FirstSeen {
    #[new]
    fn new() -> Self {
        FirstSeen { index: std::collections::HashSet::with_hasher(ahash::RandomState::new()), keys: Vec::new() }
    }

    /// Adds a list's keys; False (adding none) when one is not an exact str with a UTF-8 form.
    fn add(&mut self, keys: &Bound<'_, PyList>) -> bool {
        let mut texts: Vec<(&'static [u8], Bound<'_, PyAny>)> = Vec::with_capacity(keys.len());
        for key in keys.iter() {
            if !key.is_exact_instance_of::<PyString>() {
                return false;
            }
            let utf8 = match unsafe { key.cast_unchecked::<PyString>() }.to_str() {
                Ok(utf8) => utf8.as_bytes(),
                Err(_) => return false,
            };
            // The buffer belongs to the str object; it outlives this borrow while the object does.
            let utf8: &'static [u8] = unsafe { std::mem::transmute::<&[u8], &'static [u8]>(utf8) };
            texts.push((utf8, key));
        }
        self.index.reserve(texts.len());
        for (utf8, key) in texts {
            if self.index.insert(utf8) {
                self.keys.push(key.unbind());
            }
        }
        true
    }

    /// Adds the keys of a str column (see `partition_strs`) without making an object for a key
    /// already kept; raises ValueError when the column is malformed (it is checked as it is read).
    fn add_encoded(&mut self, py: Python<'_>, lengths: &[u8], text: &[u8]) -> PyResult<()> {
        if lengths.len() % 4 != 0 {
            return Err(pyo3::exceptions::PyValueError::new_err("a str column's lengths are not uint32s"));
        }
        self.index.reserve(lengths.len() / 4);
        let mut start = 0usize;
        for length in lengths.chunks_exact(4) {
            let end = start + u32::from_le_bytes([length[0], length[1], length[2], length[3]]) as usize;
            let utf8 = text
                .get(start..end)
                .ok_or_else(|| pyo3::exceptions::PyValueError::new_err("a str column's text is too short"))?;
            start = end;
            if self.index.contains(utf8) {
                continue;
            }
            let decoded = std::str::from_utf8(utf8)
                .map_err(|_| pyo3::exceptions::PyValueError::new_err("a str column holds invalid UTF-8"))?;
            let key = PyString::new(py, decoded);
            let owned = key.to_str()?.as_bytes();
            // As in `add`: the new str object owns this buffer and is kept in `keys` below.
            let owned: &'static [u8] = unsafe { std::mem::transmute::<&[u8], &'static [u8]>(owned) };
            self.index.insert(owned);
            self.keys.push(key.into_any().unbind());
        }
        if start != text.len() {
            return Err(pyo3::exceptions::PyValueError::new_err("a str column's text is too long"));
        }
        Ok(())
    }

    /// The distinct keys, first-seen order.
    fn keys<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        self.keys.iter().map(|key| key.bind(py).clone()).collect()
    }

    fn __len__(&self) -> usize {
        self.keys.len()
    }
}

/// One element of a sort key: what Python compares for exact int (in 64 bits), float (not NaN),
/// str and bytes. A position of the keys holds one kind only, so two kinds are never compared.
#[derive(Clone, Copy)]
enum Atom<'a> {
    Int(i64),
    Float(f64),
    Str(&'a str),
    Bytes(&'a [u8]),
}

const INT: u8 = 0;
const FLOAT: u8 = 1;
const STR: u8 = 2;
const BYTES: u8 = 3;

impl Atom<'_> {
    fn kind(&self) -> u8 {
        match self {
            Atom::Int(_) => INT,
            Atom::Float(_) => FLOAT,
            Atom::Str(_) => STR,
            Atom::Bytes(_) => BYTES,
        }
    }

    /// Python's order: ints and floats by value (-0.0 equals 0.0), str by code point - which is the
    /// order of their UTF-8 bytes - and bytes byte by byte.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Atom::Int(a), Atom::Int(b)) => a.cmp(b),
            (Atom::Float(a), Atom::Float(b)) => a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal),
            (Atom::Str(a), Atom::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Atom::Bytes(a), Atom::Bytes(b)) => a.cmp(b),
            _ => std::cmp::Ordering::Equal, // never: each position holds one kind
        }
    }
}

/// The atom of an exact int, float, str or bytes object; `None` for anything else, an int outside
/// 64 bits, a NaN (it is unordered: Python's sort then depends on its algorithm) or a str with a
/// lone surrogate.
fn atom_of<'a>(item: &'a Bound<'_, PyAny>) -> Option<Atom<'a>> {
    if item.is_exact_instance_of::<PyString>() {
        return unsafe { item.cast_unchecked::<PyString>() }.to_str().ok().map(Atom::Str);
    }
    if item.is_exact_instance_of::<PyInt>() {
        return item.extract::<i64>().ok().map(Atom::Int);
    }
    if item.is_exact_instance_of::<PyFloat>() {
        let value = unsafe { item.cast_unchecked::<PyFloat>() }.value();
        return if value.is_nan() { None } else { Some(Atom::Float(value)) };
    }
    if item.is_exact_instance_of::<PyBytes>() {
        return Some(Atom::Bytes(unsafe { item.cast_unchecked::<PyBytes>() }.as_bytes()));
    }
    None
}

/// A record's place in `sorted_by_keys`: its key's first atoms as prefixes, where its items are, and
/// which record it is. A missing atom (a shorter tuple) has prefix 0, the least: a shorter tuple is
/// never ordered after a longer one by its prefixes, and equal prefixes go on to the whole comparison.
struct SortEntry {
    prefix: [u64; PREFIXES],
    start: u32,
    len: u32,
    index: u32,
}

/// How many of a key's first items `sorted_by_keys` keeps as prefixes in each entry.
const PREFIXES: usize = 3;

/// An atom as a u64 in the same order (ints and floats exactly, -0.0 as 0.0; str and bytes by their
/// 8 bytes after the `skip` every one of them starts with, so equal prefixes still need the whole
/// comparison).
fn prefix_of(atom: &Atom<'_>, skip: usize) -> u64 {
    match *atom {
        Atom::Int(value) => (value as u64) ^ (1u64 << 63),
        Atom::Float(value) => {
            let bits = (value + 0.0).to_bits(); // -0.0 + 0.0 is 0.0
            if bits >> 63 == 1 { !bits } else { bits | (1u64 << 63) }
        }
        Atom::Str(text) => leading_bytes(&text.as_bytes()[skip..]),
        Atom::Bytes(data) => leading_bytes(&data[skip..]),
    }
}

fn leading_bytes(data: &[u8]) -> u64 {
    let mut head = [0u8; 8];
    let n = data.len().min(8);
    head[..n].copy_from_slice(&data[..n]);
    u64::from_be_bytes(head)
}

/// `records` ordered as `records.sort(key=..., reverse=reverse)` orders them, given each record's
/// key in `keys`: a new list, or `None` unless the keys are all exact tuples of exact int/float/str/bytes
/// with one kind per position (what Python compares item by item without calling Python code, but
/// slowly: its sort only has fast paths for keys of one simple type, which it keeps). The sort is
/// stable, as Python's is, also in reverse: equal keys keep their order.
#[pyfunction]
fn sorted_by_keys<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyList>,
    keys: &Bound<'py, PyList>,
    reverse: bool,
) -> PyResult<Option<Bound<'py, PyList>>> {
    let count = records.len();
    if keys.len() != count {
        return Err(pyo3::exceptions::PyValueError::new_err("records and keys differ in length"));
    }
    if count > u32::MAX as usize {
        return Ok(None);
    }
    // Each key's items, held so their atoms can be read again where prefixes tie; checked here once.
    let mut items: Vec<Bound<'py, PyAny>> = Vec::with_capacity(count * 2);
    let mut entries: Vec<SortEntry> = Vec::with_capacity(count);
    let mut kinds: Vec<u8> = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        if !key.is_exact_instance_of::<PyTuple>() {
            // A lone int, float or str key Python's sort already compares at C speed.
            return Ok(None);
        }
        let start = items.len() as u32;
        for (position, item) in unsafe { key.cast_unchecked::<PyTuple>() }.iter().enumerate() {
            let kind = match atom_of(&item) {
                Some(atom) => atom.kind(),
                None => return Ok(None),
            };
            if position == kinds.len() {
                kinds.push(kind);
            } else if kinds[position] != kind {
                return Ok(None); // e.g. an int and a str at one position: Python may raise TypeError
            }
            items.push(item);
        }
        let len = items.len() as u32 - start;
        entries.push(SortEntry { prefix: [0; PREFIXES], start, len, index: index as u32 });
    }
    let atom_at = |entry: &SortEntry, position: usize| atom_of(&items[entry.start as usize + position]);
    // A str or bytes column's common leading bytes order nothing: its prefixes start after them
    // ("cust-000123" keys differ only from their sixth byte on).
    let mut skip = [0usize; PREFIXES];
    for (position, skipped) in skip.iter_mut().enumerate() {
        if !matches!(kinds.get(position), Some(&STR) | Some(&BYTES)) {
            continue;
        }
        let mut common: Option<&[u8]> = None;
        for entry in entries.iter().filter(|entry| entry.len as usize > position) {
            let data = match atom_at(entry, position) {
                Some(Atom::Str(text)) => text.as_bytes(),
                Some(Atom::Bytes(data)) => data,
                _ => return Ok(None), // never: checked above
            };
            common = Some(match common {
                None => data,
                Some(seen) => &seen[..seen.iter().zip(data.iter()).take_while(|(a, b)| a == b).count()],
            });
        }
        *skipped = common.map_or(0, |seen| seen.len());
    }
    // Each record's first items as order-keeping u64s, compared before the items themselves: most
    // comparisons end there, without reaching into the items (and the str objects) they stand for.
    // A prefix counts only while every item before it is exact (an int or float; a str prefix is
    // not: two strs with equal prefixes may differ, and then what follows them does not decide).
    let kept = (0..PREFIXES)
        .take_while(|&position| position == 0 || matches!(kinds.get(position - 1), Some(&INT) | Some(&FLOAT)))
        .count();
    for entry in entries.iter_mut() {
        for position in 0..kept.min(entry.len as usize) {
            let item = &items[entry.start as usize + position];
            entry.prefix[position] = atom_of(item).map_or(0, |atom| prefix_of(&atom, skip[position]));
        }
    }
    // Tuples compare item by item, the shorter first when one is the other's prefix.
    let compare = |a: &SortEntry, b: &SortEntry| {
        let order = a.prefix.cmp(&b.prefix);
        if order != std::cmp::Ordering::Equal {
            return order;
        }
        for position in 0..a.len.min(b.len) as usize {
            let order = match (atom_at(a, position), atom_at(b, position)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => std::cmp::Ordering::Equal, // never: every item was checked above
            };
            if order != std::cmp::Ordering::Equal {
                return order;
            }
        }
        a.len.cmp(&b.len)
    };
    if reverse {
        entries.sort_by(|a, b| compare(b, a));
    } else {
        entries.sort_by(compare);
    }
    let ordered = PyList::empty(py);
    for entry in entries.iter() {
        ordered.append(records.get_item(entry.index as usize)?)?;
    }
    Ok(Some(ordered))
}

#[pymodule]
fn zpark_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(portable_hashes, m)?)?;
    m.add_function(wrap_pyfunction!(partition_strs, m)?)?;
    m.add_function(wrap_pyfunction!(partition_columns, m)?)?;
    m.add_function(wrap_pyfunction!(partition_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(sorted_by_keys, m)?)?;
    m.add_class::<FirstSeen>()?;
    Ok(())
}
