//! The models: outliers, statistics, principal components, segments, silhouettes,
//! neighbours and recommendations, and their offline evaluation on a time split (`split`,
//! `metrics`, `evaluate`). Plain functions over arrays and purchase histories; no knowledge
//! of terminals.

pub mod cluster;
pub mod evaluate;
pub mod knn;
pub mod metrics;
pub mod outliers;
pub mod purchases;
pub mod recommend;
pub mod reduce;
pub mod silhouette;
pub mod split;
pub mod stats;
