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
        let text = unsafe { key.downcast_unchecked::<PyString>() };
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
        let data = unsafe { key.downcast_unchecked::<PyBytes>() };
        return Ok(Some(crc32fast::hash(data.as_bytes()) as i64));
    }
    if key.is_none() {
        return Ok(Some(0));
    }
    if key.is_exact_instance_of::<PyTuple>() {
        let items = unsafe { key.downcast_unchecked::<PyTuple>() };
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

#[pymodule]
fn zpark_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(portable_hashes, m)?)?;
    Ok(())
}
