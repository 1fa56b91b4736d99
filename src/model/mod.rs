//! The models: outliers, statistics, principal components, segments, silhouettes,
//! neighbours and recommendations. Plain functions over arrays and purchase histories; no
//! knowledge of files or terminals.

pub mod cluster;
pub mod knn;
pub mod outliers;
pub mod purchases;
pub mod recommend;
pub mod reduce;
pub mod silhouette;
pub mod stats;
