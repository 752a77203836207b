//! Support shared by this crate's tests and examples (feature `testing`, which the crate's
//! dev-dependency on itself turns on): [`movies`], the walkthrough's data set as
//! [`TrainingData`](crate::TrainingData).

pub mod movies;
