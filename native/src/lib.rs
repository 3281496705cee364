//! zpark's optional compiled helpers: a shuffle's per-key work that the interpreter makes costly.
//!
//! The pure-Python functions in `zpark/common/hashing.py` are the reference: every function here
//! returns exactly what they return, or `None` where it does not handle an input, and zpark then
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

/// The `portable_hash` of every key in a list, as native-endian int64s in one bytes object (for
/// numpy.frombuffer), or `None` when some key is not of a type `hash_of` handles.
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

    /// The distinct keys, first-seen order.
    fn keys<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        self.keys.iter().map(|key| key.bind(py).clone()).collect()
    }

    fn __len__(&self) -> usize {
        self.keys.len()
    }
}

#[pymodule]
fn zpark_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(portable_hashes, m)?)?;
    m.add_class::<FirstSeen>()?;
    Ok(())
}
