//! # PetWealth Parents — persistence (work in progress, issue 3)
//!
//! Will hold the sea-orm implementations of the domain's store ports on MySQL/MariaDB and
//! the embedded SQLite.
