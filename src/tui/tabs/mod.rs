//! One file per tab; each draws from the prepared data and fitted models only.

pub mod clusters;
pub mod correlation;
pub mod customers;
pub mod evaluation;
pub mod quality;
pub mod silhouette;
