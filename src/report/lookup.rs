//! `lookup` that lends what it finds instead of copying it.
//!
//! The built-in templates reach the selected window as `{{#with (lookup
//! windows selected.index)}}`. handlebars' own `lookup` (6.4) returns a
//! clone of the value it finds, and `#with` copies such a derived value
//! once more into its block, so the window's JSON tree — on a flapping
//! storm thousands of timeline rows — was held three times while the
//! report rendered (docs/performance.md, "Session 14"). This one answers
//! with a reference into the render's context when the collection is a
//! path in it, and `#with` then walks the context in place. Anything else
//! (a collection a helper derived) is copied, as the built-in does.
//!
//! It renders as the built-in does with rfo's settings: strict mode, and
//! recursive lookup off. With recursive lookup on, a name missing inside
//! the lent value would fall back to the root's, where the built-in's
//! copy has no parent to fall back to.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, JsonValue, RenderContext, RenderError,
    RenderErrorReason, ScopedJson,
};

/// Registered as `lookup`, in place of handlebars' own.
pub struct Lookup;

impl HelperDef for Lookup {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let collection = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("lookup", 0))?;
        let index = h
            .param(1)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("lookup", 1))?;
        let key = match collection.value() {
            JsonValue::Array(_) => index.value().as_u64().map(|i| i.to_string()),
            JsonValue::Object(_) => index.value().as_str().map(str::to_string),
            _ => None,
        };
        let found = key.as_deref().and_then(|k| member(collection.value(), k));
        let Some(found) = found else {
            return match r.strict_mode() {
                true => Err(RenderError::strict_error(None)),
                false => Ok(ScopedJson::Derived(JsonValue::Null)),
            };
        };
        // Lent only when the path names this very value in the context:
        // a block that swapped the context in would otherwise be misread.
        let lent = collection.context_path().and_then(|path| {
            let at = path.iter().try_fold(ctx.data(), |v, seg| member(v, seg))?;
            let at = member(at, key.as_deref()?)?;
            std::ptr::eq(at, found).then(|| {
                let mut path = path.clone();
                path.extend(key.clone());
                ScopedJson::Context(at, path)
            })
        });
        Ok(lent.unwrap_or_else(|| ScopedJson::Derived(found.clone())))
    }
}

/// A member of an object by name or of an array by decimal index, as
/// handlebars' paths name them.
fn member<'a>(v: &'a JsonValue, seg: &str) -> Option<&'a JsonValue> {
    match v {
        JsonValue::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        JsonValue::Object(m) => m.get(seg),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, data: &JsonValue) -> Result<String, RenderError> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_helper("lookup", Box::new(Lookup));
        hb.render_template(template, data)
    }

    #[test]
    fn a_window_looked_up_by_index_renders_as_the_built_in_lookup_does() {
        let data = json!({
            "windows": [{"name": "a", "rows": [1, 2]}, {"name": "b", "rows": [3]}],
            "selected": {"index": 1},
            "by": {"k": {"name": "c"}},
            "key": "k",
        });
        let t = "{{#with (lookup windows selected.index)}}{{name}}:{{#each rows}}{{this}}{{/each}}:{{../selected.index}}{{/with}}|{{#with (lookup by key)}}{{name}}{{/with}}|{{lookup windows 0}}";
        let ours = render(t, &data).unwrap();
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        assert_eq!(ours, hb.render_template(t, &data).unwrap());
        assert_eq!(ours, "b:3:1|c|[object]");
    }

    #[test]
    fn a_missing_member_is_a_strict_error_as_with_the_built_in() {
        let data = json!({"windows": [{"name": "a"}], "selected": {"index": 4}});
        assert!(render(
            "{{#with (lookup windows selected.index)}}{{name}}{{/with}}",
            &data
        )
        .is_err());
        assert!(render("{{lookup windows \"x\"}}", &data).is_err());
    }

    #[test]
    fn the_found_value_is_lent_from_the_context_not_copied() {
        // Through a helper that reports whether its parameter is a path in
        // the context: the built-in lookup's answer is not.
        struct Lent;
        impl HelperDef for Lent {
            fn call_inner<'reg: 'rc, 'rc>(
                &self,
                h: &Helper<'rc>,
                _: &'reg Handlebars<'reg>,
                _: &'rc Context,
                _: &mut RenderContext<'reg, 'rc>,
            ) -> Result<ScopedJson<'rc>, RenderError> {
                let p = h.param(0).and_then(|p| p.context_path().cloned());
                Ok(ScopedJson::Derived(json!(p.map(|p| p.join("/")))))
            }
        }
        let data = json!({"windows": [{"name": "a"}, {"name": "b"}], "selected": {"index": 1}});
        let mut hb = Handlebars::new();
        hb.register_helper("lent", Box::new(Lent));
        let t = "{{lent (lookup windows selected.index)}}";
        assert_eq!(hb.render_template(t, &data).unwrap(), "");
        hb.register_helper("lookup", Box::new(Lookup));
        assert_eq!(hb.render_template(t, &data).unwrap(), "windows/1");
    }
}
