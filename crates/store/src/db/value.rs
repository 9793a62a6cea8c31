//! Values going into and out of either database: SQLite's five storage
//! classes, which every PostgreSQL column of the schema maps onto
//! (`BIGINT`, `DOUBLE PRECISION`, `TEXT`, `BYTEA`).

use super::{Error, Result};

/// An owned value (rows read whole, parameters built at run time).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A value borrowed from a parameter or a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> ValueRef<'a> {
    pub fn to_owned(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(t.to_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }

    pub fn as_str(self) -> Result<&'a str> {
        match self {
            ValueRef::Text(t) => Ok(t),
            other => Err(Error::conversion_type("text", &other)),
        }
    }

    pub fn as_str_or_null(self) -> Result<Option<&'a str>> {
        match self {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => Ok(Some(t)),
            other => Err(Error::conversion_type("text", &other)),
        }
    }

    /// Text's or a blob's bytes.
    pub fn as_bytes(self) -> Result<&'a [u8]> {
        match self {
            ValueRef::Text(t) => Ok(t.as_bytes()),
            ValueRef::Blob(b) => Ok(b),
            other => Err(Error::conversion_type("text", &other)),
        }
    }

    pub fn as_blob(self) -> Result<&'a [u8]> {
        match self {
            ValueRef::Blob(b) => Ok(b),
            other => Err(Error::conversion_type("blob", &other)),
        }
    }

    pub fn as_blob_or_null(self) -> Result<Option<&'a [u8]>> {
        match self {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(b) => Ok(Some(b)),
            other => Err(Error::conversion_type("blob", &other)),
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            ValueRef::Null => "null",
            ValueRef::Integer(_) => "integer",
            ValueRef::Real(_) => "real",
            ValueRef::Text(_) => "text",
            ValueRef::Blob(_) => "blob",
        }
    }
}

impl Value {
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl From<String> for Value {
    fn from(t: String) -> Value {
        Value::Text(t)
    }
}

impl From<&str> for Value {
    fn from(t: &str) -> Value {
        Value::Text(t.to_owned())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Integer(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Real(f)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Value {
        Value::Blob(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// What can be a parameter.
pub trait ToSql {
    fn to_sql(&self) -> Result<ValueRef<'_>>;
}

macro_rules! int_to_sql {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> Result<ValueRef<'_>> {
                i64::try_from(*self)
                    .map(ValueRef::Integer)
                    .map_err(|_| Error::Parameter(format!("{self} does not fit a 64-bit integer")))
            }
        }
    )*};
}
int_to_sql!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl ToSql for f64 {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Real(*self))
    }
}

impl ToSql for bool {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Integer(i64::from(*self)))
    }
}

impl ToSql for str {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Text(self))
    }
}

impl ToSql for String {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Text(self))
    }
}

impl ToSql for [u8] {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Blob(self))
    }
}

impl ToSql for Vec<u8> {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Blob(self))
    }
}

impl<const N: usize> ToSql for [u8; N] {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Blob(self))
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(self.as_ref())
    }
}

impl ToSql for ValueRef<'_> {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(*self)
    }
}

impl<T: ToSql> ToSql for Option<T> {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        match self {
            Some(v) => v.to_sql(),
            None => Ok(ValueRef::Null),
        }
    }
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        (**self).to_sql()
    }
}

impl<T: ToSql + ?Sized> ToSql for Box<T> {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        (**self).to_sql()
    }
}

impl ToSql for std::borrow::Cow<'_, str> {
    fn to_sql(&self) -> Result<ValueRef<'_>> {
        Ok(ValueRef::Text(self))
    }
}

/// What a column can be read into.
pub trait FromSql: Sized {
    fn from_sql(value: ValueRef<'_>) -> Result<Self>;
}

macro_rules! int_from_sql {
    ($($t:ty),*) => {$(
        impl FromSql for $t {
            fn from_sql(value: ValueRef<'_>) -> Result<Self> {
                match value {
                    ValueRef::Integer(i) => <$t>::try_from(i).map_err(|_| {
                        Error::Conversion(format!("{i} does not fit {}", stringify!($t)))
                    }),
                    other => Err(Error::conversion_type("integer", &other)),
                }
            }
        }
    )*};
}
int_from_sql!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl FromSql for f64 {
    fn from_sql(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            other => Err(Error::conversion_type("real", &other)),
        }
    }
}

impl FromSql for bool {
    fn from_sql(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Integer(i) => Ok(i != 0),
            other => Err(Error::conversion_type("integer", &other)),
        }
    }
}

impl FromSql for String {
    fn from_sql(value: ValueRef<'_>) -> Result<Self> {
        value.as_str().map(str::to_owned)
    }
}

impl FromSql for Vec<u8> {
    fn from_sql(value: ValueRef<'_>) -> Result<Self> {
        value.as_blob().map(<[u8]>::to_vec)
    }
}

impl<const N: usize> FromSql for [u8; N] {
    fn from_sql(value: ValueRef<'_>) -> Result<Self> {
        let blob = value.as_blob()?;
        blob.try_into()
            .map_err(|_| Error::Conversion(format!("a blob of {} bytes, not {N}", blob.len())))
    }
}

impl FromSql for Value {
    fn from_sql(value: ValueRef<'_>) -> Result<Self> {
        Ok(value.to_owned())
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn from_sql(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Null => Ok(None),
            other => T::from_sql(other).map(Some),
        }
    }
}

/// What a statement's parameters can be given as: `[]`, `[a, b]`,
/// `params![a, b]`, a tuple, a slice of `&dyn ToSql`, or
/// [`params_from_iter`]. Each value is handed to `bind` with its
/// 1-based index.
pub trait Params {
    fn bind_each(self, bind: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>) -> Result<usize>;
}

impl Params for [&dyn ToSql; 0] {
    fn bind_each(self, _: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>) -> Result<usize> {
        Ok(0)
    }
}

impl Params for () {
    fn bind_each(self, _: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>) -> Result<usize> {
        Ok(0)
    }
}

fn bind_all<'v, T: ToSql + 'v + ?Sized>(
    values: impl IntoIterator<Item = &'v T>,
    bind: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>,
) -> Result<usize> {
    let mut n = 0;
    for v in values {
        n += 1;
        bind(n, v.to_sql()?)?;
    }
    Ok(n)
}

impl Params for &[&dyn ToSql] {
    fn bind_each(self, bind: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>) -> Result<usize> {
        bind_all(self.iter().copied(), bind)
    }
}

impl Params for &Vec<&dyn ToSql> {
    fn bind_each(self, bind: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>) -> Result<usize> {
        bind_all(self.iter().copied(), bind)
    }
}

macro_rules! array_params {
    ($($n:literal)+) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn bind_each(self, bind: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>) -> Result<usize> {
                bind_all(self.iter(), bind)
            }
        }
        impl<T: ToSql + ?Sized> Params for &[&T; $n] {
            fn bind_each(self, bind: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>) -> Result<usize> {
                bind_all(self.iter().copied(), bind)
            }
        }
    )+};
}
array_params!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24);

macro_rules! tuple_params {
    ($(($($i:tt $t:ident),+))+) => {$(
        impl<$($t: ToSql),+> Params for ($($t,)+) {
            fn bind_each(self, bind: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>) -> Result<usize> {
                let mut n = 0;
                $( n += 1; bind(n, self.$i.to_sql()?)?; )+
                Ok(n)
            }
        }
    )+};
}
with_tuples!(tuple_params);

/// Parameters from an iterator (a list only known at run time).
pub struct ParamsFromIter<I>(I);

pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    ParamsFromIter(iter)
}

impl<I> Params for ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    fn bind_each(self, bind: &mut dyn FnMut(usize, ValueRef<'_>) -> Result<()>) -> Result<usize> {
        let mut n = 0;
        for v in self.0 {
            n += 1;
            bind(n, v.to_sql()?)?;
        }
        Ok(n)
    }
}

/// `params![a, b]`: a slice of `&dyn ToSql`, as rusqlite's macro.
macro_rules! params {
    () => { &[] as &[&dyn $crate::db::ToSql] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::db::ToSql),+] as &[&dyn $crate::db::ToSql] };
}
pub(crate) use params;
