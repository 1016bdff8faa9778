package android.view

import android.content.Context

open class View(context: Context) {
    fun setOnClickListener(l: (View) -> Unit) {}
    var isEnabled: Boolean = true
}

open class ViewGroup(context: Context) : View(context) {
    fun addView(child: View) {}
}
