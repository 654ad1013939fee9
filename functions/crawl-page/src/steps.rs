//! The four actions the state machine calls, one module each.

pub mod finish;
pub mod next;
pub mod start;
pub mod work;
