//! The P2KP community cycle: the programme steps of a kelurahan, the
//! self-mapping of poor households, and the BKM election without candidates.
//! Pure rules over plain data; storage and HTTP live in `store` and `web`.

pub mod cycle;
pub mod election;
pub mod mapping;
