//! # PetWealth Parents — Enote (work in progress, issue 4)
//!
//! Will hold the reqwest implementation of the domain's `PracticeDirectory` over Enote's OData
//! and `hs/api/v2`.
