//! The rules the kit checks, worded as the trait's docs state them: a
//! [`ContractFailure`](super::ContractFailure) names the one it broke.

pub(super) const CREATE: &str = "create writes a new record that load returns";
pub(super) const CREATE_NX: &str = "create never overwrites a live record";
pub(super) const LOAD_MISSING: &str = "load of an absent key returns none";
pub(super) const BYTES: &str = "keys and values come back byte for byte";
pub(super) const EMPTY: &str = "a record with no entries still exists";
pub(super) const PER_KEY: &str = "update writes only the keys it names";
pub(super) const UPDATE_MISSING: &str =
    "update of an absent record writes nothing and answers missing";
pub(super) const DELETE: &str = "delete removes the record and answers whether it was there";
pub(super) const TOUCH: &str = "touch sets the expiry of a live record and creates nothing";
pub(super) const LOAD_TOUCH: &str = "load with touch sets the expiry in the same step";
pub(super) const REGENERATE: &str = "regenerate moves the data and kills the old key";
pub(super) const REGENERATE_MISSING: &str = "regenerate of an absent record answers missing";
pub(super) const REGENERATE_EXISTS: &str = "regenerate onto a live record answers already-exists";
pub(super) const DIFFERENT_KEYS: &str = "concurrent updates of different keys all persist";
pub(super) const SAME_KEY: &str = "concurrent updates of one key end with one of the values";
pub(super) const DESTROY: &str = "a delete is never undone by a concurrent update";
pub(super) const REGENERATE_RACE: &str = "no update acknowledged during a regenerate is lost";
pub(super) const EXPIRY: &str = "an expired record is absent for every operation";
pub(super) const EXTENDED: &str = "touch, load with touch, update and regenerate set the expiry";
pub(super) const SWEEP: &str = "sweep keeps live records";
pub(super) const CAP: &str = "a write that grows a record past the cap fails and writes nothing";
